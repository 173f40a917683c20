/** C's `roundf`: the nearest integer, halves away from zero (`Math.round` sends -2.5 to -2). */
export function roundHalfAway(value: number): number {
  return value < 0 ? -Math.round(-value) : Math.round(value);
}
