import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', 'coverage/', 'models/**/.cache/', '.runs/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // noUncheckedIndexedAccess makes every typed-array read in the numeric kernels `number |
      // undefined`; the loops are bounds-checked by construction, so `a[i]!` is the honest spelling.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
