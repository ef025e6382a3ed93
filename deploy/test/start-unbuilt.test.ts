/**
 * Each service's `pnpm start` runs node on its compiled JavaScript (no tsx), and on a tree that was
 * not built it says so in one line and exits non-zero instead of a module-not-found stack trace.
 * The unbuilt tree is a scratch copy of the package's manifest and the start tool, so the real
 * `dist/` (built or not) is left alone.
 */
import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { read } from './read.ts'

const run = promisify(execFile)
const ROOT = new URL('../../', import.meta.url).pathname

for (const app of ['core', 'gateway']) {
  t.test(`apps/${app}: start runs the compiled server, and says in one line when it is not built`, async (t) => {
    const manifest = JSON.parse(read(`apps/${app}/package.json`)) as { name: string; scripts: Record<string, string> }
    t.equal(manifest.scripts.start, 'node ../../tools/start-built.mjs dist/server.js', 'node on dist/server.js, through the build check')
    t.notMatch(Object.values(manifest.scripts).join('\n'), /\btsx\b.*src\/server/, 'no script runs the server through tsx')

    const scratch = await mkdtemp(join(tmpdir(), 'rushgate-unbuilt-'))
    t.teardown(() => rm(scratch, { recursive: true, force: true }))
    await mkdir(join(scratch, 'apps', app), { recursive: true })
    await mkdir(join(scratch, 'tools'))
    await copyFile(join(ROOT, 'apps', app, 'package.json'), join(scratch, 'apps', app, 'package.json'))
    await copyFile(join(ROOT, 'tools', 'start-built.mjs'), join(scratch, 'tools', 'start-built.mjs'))
    const result = await run('sh', ['-c', manifest.scripts.start!], { cwd: join(scratch, 'apps', app) }).then(
      () => ({ code: 0, stdout: '', stderr: '' }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    )
    t.equal(result.code, 1, 'exits 1')
    t.equal(result.stdout, '', 'nothing on stdout')
    t.equal(result.stderr, `${manifest.name} is not built (dist/server.js is missing): run pnpm build\n`, 'one line on stderr that names the fix')
  })
}
