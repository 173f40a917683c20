import type { UserWorkspaceConfig } from 'vitest/config';

/** The shared vitest project of a PIO package, named after the package. */
export declare function definePioProject(configUrl: string, overrides?: UserWorkspaceConfig): UserWorkspaceConfig;
