"""Per-session manifests: what a player of one session is offered."""

from __future__ import annotations

import re

from marquee.playback.manifest import (
    allowed_heights,
    playlist_names,
    session_master,
    session_media_playlist,
    session_mpd,
)
from marquee.playback.schemas import TrackChoice

LICENSE = "https://api.example/api/v1/playback/sessions/s1/license"
MPD = """<?xml version='1.0' encoding='utf-8'?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" xmlns:cenc="urn:mpeg:cenc:2013"
     xmlns:dashif="https://dashif.org/CPS" type="static">
  <ProgramInformation />
  <Period id="0">
    <AdaptationSet id="0" contentType="video" maxWidth="1280" maxHeight="720">
      <ContentProtection schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e">
        <dashif:Laurl licenseType="EME-1.0">https://license.invalid/clearkey</dashif:Laurl>
      </ContentProtection>
      <Representation id="0" width="1280" height="720" bandwidth="3000000" />
      <Representation id="1" width="640" height="360" bandwidth="730000" />
      <Representation id="2" width="416" height="234" bandwidth="145000" />
    </AdaptationSet>
    <AdaptationSet id="1" contentType="audio">
      <Representation id="3" bandwidth="128000" />
    </AdaptationSet>
  </Period>
</MPD>
"""
MASTER = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="und",URI="media_3.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=3128000,RESOLUTION=1280x720,AUDIO="a"
media_0.m3u8

#EXT-X-STREAM-INF:BANDWIDTH=858000,RESOLUTION=640x360,AUDIO="a"
media_1.m3u8
"""
MEDIA = """#EXTM3U
#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,KEYFORMAT="identity",URI="https://license.invalid/key"
#EXT-X-MAP:URI="init-1.m4s"
#EXTINF:4.000000,
seg-1-00001.m4s
#EXT-X-ENDLIST
"""
EDGES = [
    "https://eu1.example/t/k1/9/s1/sig/assets/a1/",
    "https://us1.example/t/k1/9/s1/sig/assets/a1/",
]
#: Packaged in folders (media.layout): an HD set (720p, its own key) and an SD set.
FOLDERS_MPD = """<?xml version='1.0' encoding='utf-8'?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static">
  <Period id="0">
    <AdaptationSet id="0" contentType="video" maxWidth="1280" maxHeight="720">
      <SupplementalProperty schemeIdUri="urn:mpeg:dash:adaptation-set-switching:2016" value="1"/>
      <Representation id="0" width="1280" height="720" bandwidth="3000000">
        <BaseURL>video/720p/</BaseURL><SegmentTemplate media="seg-0-$Number$.m4s" />
      </Representation>
    </AdaptationSet>
    <AdaptationSet id="1" contentType="video" maxWidth="640" maxHeight="360">
      <SupplementalProperty schemeIdUri="urn:mpeg:dash:adaptation-set-switching:2016" value="0"/>
      <Representation id="1" width="640" height="360" bandwidth="730000">
        <BaseURL>video/360p/</BaseURL><SegmentTemplate media="seg-1-$Number$.m4s" />
      </Representation>
    </AdaptationSet>
    <AdaptationSet id="2" contentType="audio">
      <Representation id="2" bandwidth="128000"><BaseURL>audio/</BaseURL></Representation>
    </AdaptationSet>
    <AdaptationSet id="3" contentType="text" mimeType="text/vtt">
      <Representation id="sub0" bandwidth="256">
        <BaseURL>text/subtitles-0.vtt</BaseURL>
      </Representation>
    </AdaptationSet>
  </Period>
</MPD>
"""


def signed_on_edges(folder: str) -> list[str]:
    """What session_manifests.folder_urls gives: the folder signed on each edge."""
    return [
        f"https://{edge}.example/t/k1/9/s1/sig-{folder or 'top'}/assets/a1/{folder}"
        for edge in ("eu1", "us1")
    ]


def top_folder(folder: str) -> list[str]:
    assert folder == "", "an asset packaged before folders has only its top folder"
    return EDGES


def heights(mpd: str) -> list[str]:
    return re.findall(r' height="(\d+)"', mpd)


def test_renditions_above_the_plan_are_dropped() -> None:
    mpd = session_mpd(MPD, max_height=480, license_url=LICENSE, folder_urls=top_folder)
    assert heights(mpd) == ["360", "234"]
    assert 'maxHeight="360"' in mpd
    assert 'maxWidth="640"' in mpd
    assert 'id="3"' in mpd  # audio is kept


def test_a_plan_below_every_rendition_gets_the_smallest() -> None:
    assert allowed_heights([720, 360, 234], 144) == {234}
    mpd = session_mpd(MPD, max_height=144, license_url=LICENSE, folder_urls=top_folder)
    assert heights(mpd) == ["234"]


def test_the_mpd_has_the_session_licence_and_every_edge_in_order() -> None:
    mpd = session_mpd(MPD, max_height=2160, license_url=LICENSE, folder_urls=top_folder)
    assert "license.invalid" not in mpd
    assert f">{LICENSE}</dashif:Laurl>" in mpd
    assert re.findall(r"<BaseURL>([^<]+)</BaseURL>", mpd) == EDGES
    assert (
        mpd.index(
            "</ProgramInformation>" if "</ProgramInformation>" in mpd else "<ProgramInformation"
        )
        < mpd.index("<BaseURL>")
        < mpd.index("<Period")
    )


def test_the_hls_master_keeps_the_variants_the_plan_allows() -> None:
    master = session_master(MASTER, max_height=480)
    assert "1280x720" not in master
    assert "media_0.m3u8" not in master
    assert playlist_names(master) == {"media_1.m3u8", "media_3.m3u8"}


def test_media_playlists_point_at_the_signed_edge_and_the_session_licence() -> None:
    playlist = session_media_playlist(MEDIA, license_url=LICENSE, base_url=EDGES[0])
    assert f'URI="{LICENSE}"' in playlist
    assert f'#EXT-X-MAP:URI="{EDGES[0]}init-1.m4s"' in playlist
    assert f"\n{EDGES[0]}seg-1-00001.m4s\n" in playlist


def test_each_folder_the_plan_allows_is_signed_on_its_own_and_no_other() -> None:
    """Issue 19: a 480p plan's session is given the 360p, audio and subtitle folders, not the
    720p one nor the asset's top folder (its own manifest.mpd lists every rendition)."""
    mpd = session_mpd(FOLDERS_MPD, max_height=480, license_url=LICENSE, folder_urls=signed_on_edges)
    bases = re.findall(r"<BaseURL>([^<]+)</BaseURL>", mpd)
    assert bases == [
        *signed_on_edges("video/360p/"),
        *signed_on_edges("audio/"),
        *(url + "subtitles-0.vtt" for url in signed_on_edges("text/")),
    ]
    assert heights(mpd) == ["360"]
    assert '<AdaptationSet id="0"' not in mpd  # the HD set, left empty, is gone...
    assert "adaptation-set-switching" not in mpd  # ...and no set names it


def test_a_plan_of_every_tier_can_switch_between_the_sets() -> None:
    mpd = session_mpd(
        FOLDERS_MPD, max_height=2160, license_url=LICENSE, folder_urls=signed_on_edges
    )
    assert heights(mpd) == ["720", "360"]
    assert mpd.count("adaptation-set-switching") == 2
    assert "sig-top" not in mpd


#: The source's own soundtrack first (untagged), then two dubs; subtitles in two languages.
TRACKS_MPD = """<?xml version='1.0' encoding='utf-8'?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static">
  <Period id="0">
    <AdaptationSet id="0" contentType="video"><Representation id="0" height="360" /></AdaptationSet>
    <AdaptationSet id="1" contentType="audio" lang="und"><Representation id="1" /></AdaptationSet>
    <AdaptationSet id="2" contentType="audio" lang="eng"><Representation id="2" /></AdaptationSet>
    <AdaptationSet id="3" contentType="audio" lang="pt"><Representation id="3" /></AdaptationSet>
    <AdaptationSet id="4" contentType="text" lang="fr"><Representation id="4" /></AdaptationSet>
    <AdaptationSet id="5" contentType="text" lang="en"><Representation id="5" /></AdaptationSet>
  </Period>
</MPD>
"""


def kept_sets(tracks: TrackChoice) -> list[str]:
    mpd = session_mpd(
        TRACKS_MPD, max_height=360, license_url=LICENSE, folder_urls=top_folder, tracks=tracks
    )
    return re.findall(r'<AdaptationSet id="(\d+)"', mpd)


def test_a_download_keeps_its_languages_whichever_code_names_them() -> None:
    assert kept_sets(TrackChoice(audio=["en", "pt-BR"], subtitles=["fra"])) == ["0", "2", "3", "4"]


def test_the_original_soundtrack_stays_when_asked_for_or_when_no_dub_matches() -> None:
    assert kept_sets(TrackChoice(audio=["en"], original_audio=True)) == ["0", "1", "2"]
    assert kept_sets(TrackChoice(audio=["ja"], subtitles=["ja"])) == ["0", "1"]


def test_a_session_keeps_every_track() -> None:
    mpd = session_mpd(TRACKS_MPD, max_height=360, license_url=LICENSE, folder_urls=top_folder)
    assert len(re.findall("<AdaptationSet ", mpd)) == 6
