import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "data/", "scratch/", "evals/out/", "dist/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["adapters/web/playground/**/*.js"],
    languageOptions: {
      globals: { document: "readonly", window: "readonly", fetch: "readonly", crypto: "readonly", sessionStorage: "readonly", localStorage: "readonly", console: "readonly" },
    },
  },
  {
    // One direction: adapters -> service -> core. The core (src/) never imports an adapter, the
    // composition root (server/) or the evals; the evals build the coach, not an adapter.
    files: ["src/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/adapters/**", "**/server/**", "**/evals/**"], message: "src/ is the core: it never imports adapters/, server/ or evals/." }] }],
    },
  },
  {
    files: ["evals/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/adapters/**", "**/server/**"], message: "evals/ runs the core's coach, not an adapter or the server." }] }],
    },
  },
  {
    files: ["adapters/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/server/**"], message: "adapters/ never import the composition root (server/); it imports them." }] }],
    },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "error",
    },
  },
);
