import { definePioProject } from '@pio/vitest-preset';

export default definePioProject(import.meta.url);
