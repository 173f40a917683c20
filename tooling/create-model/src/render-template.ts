/** Placeholder values: `__key__` in a template becomes `values[key]`. */
export type TemplateValues = Readonly<Record<string, string>>;

const placeholder = /__([A-Za-z][A-Za-z0-9]*)__/g;

/**
 * Replaces every `__key__` placeholder in `text` (a template file's text or
 * path) with its value. Placeholders are identifiers, so `.ts` templates stay
 * valid TypeScript (`create__Pascal__Plugin`).
 *
 * @param source - Named in the error, for example the template's path.
 * @throws Error naming the placeholder when `values` lacks it: a bug of the template, not of the user's input.
 */
export function renderTemplate(text: string, values: TemplateValues, source = 'template'): string {
  return text.replace(placeholder, (match, key: string) => {
    const value = Object.hasOwn(values, key) ? values[key] : undefined;
    if (value === undefined) throw new Error(`${source}: unknown placeholder ${match}`);
    return value;
  });
}
