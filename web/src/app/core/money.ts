/** An amount in minor units (cents) as the viewer's locale writes it: "$13.99", "13,99 €". */
export function money(minor: number, currency: string): string {
  return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(minor / 100);
}
