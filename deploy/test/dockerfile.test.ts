/**
 * The Dockerfile, checked without Docker: the final stage runs node as a non-root user, holds
 * only production dependencies (so tsx, which runs the TypeScript, must be one), and copies only
 * what exists.
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

t.test('node is the main process: neither pnpm nor the tsx CLI (which would run node as its child)', async (t) => {
  const cmd = of('CMD').at(-1)
  t.ok(cmd, 'there is a CMD')
  const argv = execForm(cmd!.args)
  t.same(argv.slice(0, 3), ['node', '--import', 'tsx'], 'exec form: node with tsx as a loader')
  for (const instruction of [...of('CMD'), ...of('ENTRYPOINT')]) t.notMatch(instruction.args, /\bpnpm\b/, `${instruction.keyword} is not pnpm`)
})

t.test('the final stage has production dependencies only; tsx is one of them', async (t) => {
  const copiedModules = of('COPY').filter((i) => /node_modules/.test(i.args))
  t.ok(copiedModules.length > 0, 'it copies installed dependencies')
  for (const copy of copiedModules) {
    const from = /--from=(\S+)/.exec(copy.args)?.[1]
    t.ok(from, `${copy.args} comes from a stage`)
    const installs = of('RUN', lineage(stages, byName(from!)!)).filter((i) => /\bpnpm install\b/.test(i.args))
    t.ok(installs.length > 0 && installs.every((i) => /--prod\b/.test(i.args)), `stage ${from} installs with --prod only`)
  }
  t.notOk(of('RUN').some((i) => /\b(pnpm|npm) (install|add|i)\b/.test(i.args)), 'nothing is installed in the final stage itself')
  for (const app of ['core', 'gateway']) {
    const manifest = JSON.parse(read(`apps/${app}/package.json`)) as { dependencies?: Record<string, string> }
    t.ok(manifest.dependencies?.tsx, `tsx is a production dependency of apps/${app}`)
  }
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
