// Architecture rules (docs/architecture.md; DESIGN section 3), checked by `npm run lint:deps`.
// Layers, lowest first: core <- scoring <- plaid <- representations, stores; core <- models; lexical, retrieval,
// eval, server above them; cli on top; bench/ outside the package. Type-only imports count
// everywhere: a lower layer that names a higher layer's types is coupled to it all the same,
// and `tsPreCompilationDeps` makes them visible.

/** Paths of the layers under src/, as regular expressions. */
const layer = (name) => `^src/${name}/`;

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Import cycles (type-only ones too) tie modules together so neither can be understood, tested or moved alone; runtime ones also risk reading a binding before it is initialised.',
      from: { path: '^(src|bench)/' },
      to: { circular: true },
    },
    {
      name: 'core-is-a-leaf',
      severity: 'error',
      comment: 'src/core (errors, tensors, paths) sits under everything and imports nothing else from src/.',
      from: { path: layer('core') },
      to: { path: '^src/', pathNot: layer('core') },
    },
    {
      name: 'scoring-imports-only-core',
      severity: 'error',
      comment: 'The MaxSim kernels (and their native loader, which lives in src/scoring) depend on core alone.',
      from: { path: layer('scoring') },
      to: { path: '^src/', pathNot: [layer('scoring'), layer('core')] },
    },
    {
      name: 'plaid-imports-only-core-and-scoring',
      severity: 'error',
      comment:
        'PLAID is pure functions over typed arrays, so the same search runs over a folder, PostgreSQL or memory. ' +
        'The one exception is the ONNX runtime layer, loaded lazily for the centroid-scoring fallback where the native kernels are not built.',
      from: { path: layer('plaid') },
      to: { path: '^src/', pathNot: [layer('plaid'), layer('core'), layer('scoring'), '^src/models/runtime/(load-ort|onnx-graph)\\.ts$'] },
    },
    {
      name: 'representations-import-only-core-scoring-plaid',
      severity: 'error',
      comment:
        'Other multi-vector representations (poly-encoder codes, MUVERA encodings) are pure functions over token matrices, like PLAID: ' +
        'usable by stores, retrieval, evaluation and benchmarks alike, with k-means from plaid.',
      from: { path: layer('representations') },
      to: { path: '^src/', pathNot: [layer('representations'), layer('core'), layer('scoring'), layer('plaid')] },
    },
    {
      name: 'representations-do-no-file-io',
      severity: 'error',
      comment: "Representations do no I/O: reading and writing files is the stores' job.",
      from: { path: layer('representations') },
      to: { dependencyTypes: ['core'], path: '^(fs|fs/promises|path|path/posix|path/win32)$' },
    },
    {
      name: 'plaid-does-no-file-io',
      severity: 'error',
      comment: "PLAID does no I/O: reading and writing files is the stores' job.",
      from: { path: layer('plaid') },
      to: { dependencyTypes: ['core'], path: '^(fs|fs/promises|path|path/posix|path/win32)$' },
    },
    {
      name: 'stores-stay-below-retrieval',
      severity: 'error',
      comment: 'Stores build on core, scoring, plaid and the encoder types only; retrieval, eval, server and cli build on stores.',
      from: { path: layer('stores') },
      to: { path: '^src/', pathNot: [layer('stores'), layer('core'), layer('scoring'), layer('plaid'), '^src/models/types\\.ts$'] },
    },
    {
      name: 'models-stay-below-stores',
      severity: 'error',
      comment: 'Models turn text into vectors; they know nothing of where vectors are stored or how they are searched.',
      from: { path: layer('models') },
      to: { path: '^src/(stores|retrieval|eval|server|cli)/' },
    },
    {
      name: 'lexical-stays-below-retrieval',
      severity: 'error',
      comment: 'BM25 and the lexical model are building blocks that retrieval, eval, server and cli combine; they know no store.',
      from: { path: layer('lexical') },
      to: { path: '^src/(stores|plaid|retrieval|eval|server|cli)/' },
    },
    {
      name: 'retrieval-eval-stay-below-server',
      severity: 'error',
      comment: 'Retrieval and evaluation are library code; the server and the CLI are built on them.',
      from: { path: '^src/(retrieval|eval)/' },
      to: { path: '^src/server/' },
    },
    {
      name: 'only-cli-imports-cli',
      severity: 'error',
      comment: 'The CLI is the top of the stack: nothing below it (server included) imports it. bench/ may reuse its helpers.',
      from: { path: '^src/', pathNot: layer('cli') },
      to: { path: layer('cli') },
    },
    {
      name: 'src-does-not-import-bench-or-test',
      severity: 'error',
      comment: 'bench/ and test/ are not published; the package must not reach into them.',
      from: { path: '^src/' },
      to: { path: '^(bench|test)/' },
    },
    {
      name: 'src-not-to-dev-dep',
      severity: 'error',
      comment: 'devDependencies are not installed for users of the package, so src/ cannot import them.',
      from: { path: '^src/', pathNot: layer('integrations') },
      to: { dependencyTypes: ['npm-dev'] },
    },
    {
      name: 'integrations-import-only-optional-peers',
      severity: 'error',
      comment:
        'An integration (LangChain, LlamaIndex, MCP, Drizzle, Kysely) imports its framework, an optional peer dependency the user installs; never another devDependency.',
      from: { path: layer('integrations') },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['npm-peer'] },
    },
    {
      name: 'only-cli-imports-integrations',
      severity: 'error',
      comment: 'Integrations sit beside the CLI at the top: the library core never needs a framework; `tartan mcp` is the one CLI command built on one.',
      from: { path: '^src/', pathNot: [layer('integrations'), layer('cli')] },
      to: { path: layer('integrations') },
    },
    {
      name: 'no-non-package-json',
      severity: 'error',
      comment: 'A package that is not in package.json works only by accident (hoisted by another package).',
      from: {},
      // An optional peer (the integrations' frameworks) is tagged npm-no-pkg too, because of peerDependenciesMeta.
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'], dependencyTypesNot: ['npm-peer'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve fails at run time.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    // Keep `import type` edges (which tsc erases) so the layer and cycle rules see them.
    tsPreCompilationDeps: true,
    // Resolve packages through their "exports" maps (the MCP SDK has no main file).
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
