/** Registers tsx's loader hooks in this thread unless they are active already. */
export declare function ensureTsx(): void;
