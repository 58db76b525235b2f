/** Registers tsx's loader hooks in this thread unless they are active already. */
export declare function ensureTsx(): void;
/** The URL of heddle's own module `path` (`./name.ts`, relative to `base`): its compiled `.js` in a build, else the `.ts`. */
export declare function ownModule(path: string, base: string | URL): string;
