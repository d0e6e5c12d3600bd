"""Downloads: titles and episodes a device keeps to watch offline, under a persistent licence
that expires, per plan device limits, and revocation applied when the device is next online."""
