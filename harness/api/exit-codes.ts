/** Exit codes shared by every command (ARCHITECTURE.md, "Run"). */
export const EXIT_VALID = 0;
export const EXIT_INVALID = 1;
export const EXIT_UNKNOWN = 2;
export const EXIT_ERROR = 3;
