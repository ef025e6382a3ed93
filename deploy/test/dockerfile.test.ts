/**
 * The Dockerfile, checked without Docker: the final stage runs node on compiled JavaScript as a
 * non-root user, on the supported Node, holds only production dependencies (no tsx, no TypeScript
 * sources), and copies only what exists.
 */
import t from 'tap'
import { execForm, exists, lineage, read, readDockerfile } from './read.ts'

const stages = readDockerfile()
const final = stages.at(-1)!
const byName = (name: string) => stages.find((s) => s.name === name)
const of = (keyword: string, instructions = final.instructions) => instructions.filter((i) => i.keyword === keyword)

t.test('the final stage runs as a non-root user', async (t) => {
  const users = of('USER')
  t.ok(users.length > 0, 'it sets a USER')
  const user = users.at(-1)!.args.split(':')[0]!
  t.notOk(['root', '0'].includes(user), `the last USER is ${user}, not root`)
  const last = final.instructions.findLastIndex((i) => i.keyword === 'USER')
  t.notOk(final.instructions.slice(last).some((i) => i.keyword === 'RUN'), 'nothing runs as root after it')
})

t.test('the image is built on Node 24, the supported runtime', async (t) => {
  // A global ARG (before the first FROM): every stage's FROM uses it.
  t.match(read('Dockerfile'), /^ARG NODE_IMAGE=node:24-bookworm-slim$/m)
  t.ok(stages.every((s) => /^\$\{NODE_IMAGE\}$/.test(s.from) || stages.some((o) => o.name === s.from)), 'every stage starts from it or from a stage that does')
  t.match(read('.nvmrc').trim(), /^24$/, '.nvmrc names the same major')
})

t.test('node is the main process, on the compiled JavaScript: neither pnpm nor tsx', async (t) => {
  const cmd = of('CMD').at(-1)
  t.ok(cmd, 'there is a CMD')
  const argv = execForm(cmd!.args)
  t.same(argv, ['node', 'dist/server.js'], 'exec form: node on the compiled server, no loader')
  t.ok(exists('apps/gateway/src/server.ts'), 'which `pnpm build` compiles from src/server.ts')
  for (const instruction of [...of('CMD'), ...of('ENTRYPOINT')]) t.notMatch(instruction.args, /\bpnpm\b/, `${instruction.keyword} is not pnpm`)
})

t.test('the final stage has production dependencies only, and neither tsx nor a TypeScript source', async (t) => {
  const copiedModules = of('COPY').filter((i) => /node_modules/.test(i.args))
  t.ok(copiedModules.length > 0, 'it copies installed dependencies')
  for (const copy of copiedModules) {
    const from = /--from=(\S+)/.exec(copy.args)?.[1]
    t.ok(from, `${copy.args} comes from a stage`)
    const installs = of('RUN', lineage(stages, byName(from!)!)).filter((i) => /\bpnpm install\b/.test(i.args))
    t.ok(installs.length > 0 && installs.every((i) => /--prod\b/.test(i.args)), `stage ${from} installs with --prod only`)
  }
  t.notOk(of('RUN').some((i) => /\b(pnpm|npm) (install|add|i)\b/.test(i.args)), 'nothing is installed in the final stage itself')
  for (const pkg of ['apps/core', 'apps/gateway', 'packages/shared']) {
    const manifest = JSON.parse(read(`${pkg}/package.json`)) as { dependencies?: Record<string, string> }
    for (const tool of ['tsx', 'typescript', 'esbuild']) t.notOk(manifest.dependencies?.[tool], `${tool} is no production dependency of ${pkg}`)
  }
  for (const copy of of('COPY')) {
    t.notMatch(copy.args, /\/src\b|tsconfig|\.ts\b/, `COPY ${copy.args}: no TypeScript source or compiler options`)
  }
  const compiled = of('COPY')
    .filter((i) => i.args.includes('--from=build'))
    .map((i) => i.args.split(/\s+/).at(-1))
  for (const dir of ['packages/shared/dist', 'apps/core/dist', 'apps/gateway/dist', 'apps/web/dist']) t.ok(compiled.includes(dir), `${dir} comes from the build stage`)
})

t.test('each install sees the manifests of the packages it installs, and every COPY source exists', async (t) => {
  for (const stage of stages) {
    const before = lineage(stages, stage)
    before.forEach((instruction, i) => {
      if (instruction.keyword !== 'RUN' || !/\bpnpm install\b/.test(instruction.args)) return
      const copied = before
        .slice(0, i)
        .filter((c) => c.keyword === 'COPY')
        .map((c) => c.args)
        .join(' ')
      for (const [, pkg] of instruction.args.matchAll(/--filter (@rushgate\/[a-z-]+)/g)) {
        const dir = { '@rushgate/shared': 'packages/shared', '@rushgate/web': 'apps/web' }[pkg!] ?? `apps/${pkg!.split('/')[1]}`
        t.ok(copied.includes(`${dir}/package.json`) || copied.includes('. .'), `${pkg}'s manifest is copied before "${instruction.args}"`)
      }
    })
  }
  for (const copy of stages.flatMap((s) => s.instructions).filter((i) => i.keyword === 'COPY' && !i.args.includes('--from'))) {
    const sources = copy.args.split(/\s+/).slice(0, -1)
    for (const source of sources) t.ok(source === '.' || exists(source), `COPY ${source}: exists`)
  }
})

t.test('the build context leaves out what must not go into an image', async (t) => {
  const ignored = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
  for (const entry of ['**/node_modules', '.git', '.env', '.rushgate']) t.ok(ignored.includes(entry), `.dockerignore has ${entry}`)
})
