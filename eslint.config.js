import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "data/", "scratch/", "evals/out/", "dist/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["src/server/playground/**/*.js"],
    languageOptions: {
      globals: { document: "readonly", window: "readonly", fetch: "readonly", crypto: "readonly", sessionStorage: "readonly", localStorage: "readonly", console: "readonly" },
    },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "error",
    },
  },
);
