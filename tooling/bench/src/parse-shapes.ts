/**
 * The shapes a `--shapes a,b` list names, in its order (names trimmed).
 *
 * @throws Error `Unknown shape "<name>". Known: <names>.` for the first name
 * not among `known` (an empty list, or an empty entry, names `""`).
 */
export function parseShapes<Shape extends { name: string }>(list: string, known: readonly Shape[]): Shape[] {
  return list.split(',').map((entry) => {
    const name = entry.trim();
    const shape = known.find((candidate) => candidate.name === name);
    if (!shape) throw new Error(`Unknown shape "${name}". Known: ${known.map((s) => s.name).join(', ')}.`);
    return shape;
  });
}

/**
 * {@link parseShapes} for a command line: on an unknown name, prints the
 * error's message to stderr and exits with code 2.
 */
export function parseShapesOrExit<Shape extends { name: string }>(list: string, known: readonly Shape[]): Shape[] {
  try {
    return parseShapes(list, known);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
}
