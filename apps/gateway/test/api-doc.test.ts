/**
 * docs/api.md is the reference of the API, so it must keep up with the app: every route the gateway
 * serves has a `### METHOD /path` heading there, every status the OpenAPI document declares for a
 * route is in that route's status table, and every error code is in the errors table with the
 * status it is sent with. Routes documented but not served (yet) are listed as a comment only.
 *
 * The app is the real one (buildApp), made ready but not listening; no admission worker, no core.
 */
import { readFileSync } from 'node:fs'
import { ErrorCodes } from '@rushgate/shared'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { documentedApp } from './openapi-document.ts'

const DOC_PATH = new URL('../../../docs/api.md', import.meta.url)
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']
const ROUTE_HEADING = new RegExp(`^### (${METHODS.join('|')}) (/\\S*)$`)
const STATUS_ROW = /^\|\s*(\d{3})\s*\|([^|]*)\|/

interface Doc {
  /** `METHOD /path` → the statuses of its table */
  routes: Map<string, Set<number>>
  duplicates: string[]
  /** code → status, from the table of the Errors section */
  errorTable: Map<string, number>
  /** every `| status | codes |` row of a route's table */
  routeRows: { route: string; status: number; codes: string[] }[]
}

function readDoc(text: string): Doc {
  const doc: Doc = { routes: new Map(), duplicates: [], errorTable: new Map(), routeRows: [] }
  let route: string | null = null
  let inErrors = false
  for (const line of text.split('\n')) {
    // A heading of level 1–3 ends the section before it; level 4 and below stay inside.
    if (/^#{1,3} /.test(line)) {
      const heading = ROUTE_HEADING.exec(line)
      route = heading ? `${heading[1]} ${heading[2]}` : null
      if (route) {
        if (doc.routes.has(route)) doc.duplicates.push(route)
        doc.routes.set(route, new Set())
      }
      if (/^## /.test(line)) inErrors = line === '## Errors'
      continue
    }
    const row = STATUS_ROW.exec(line)
    if (!row) continue
    const status = Number(row[1])
    const codes = [...row[2]!.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]!)
    if (route) {
      doc.routes.get(route)!.add(status)
      doc.routeRows.push({ route, status, codes })
    } else if (inErrors) {
      for (const code of codes) doc.errorTable.set(code, status)
    }
  }
  return doc
}

/**
 * The routes of the app, `METHOD /path` with `{param}`, from its route tree. HEAD (Fastify adds it
 * to every GET) and the internals of the docs UI and of the static pages (trailing-slash aliases,
 * asset files, wildcards outside /api) are left out.
 */
function servedRoutes(app: FastifyInstance): Set<string> {
  const routes = new Set<string>()
  const segments: string[] = []
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const prefix = /^(?:│ {3}| {4}|├── |└── )*/.exec(line)![0]
    const node = /^(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line.slice(prefix.length))
    if (!node?.[1]) continue
    const depth = prefix.length / 4 - 1
    segments.length = depth
    segments.push(node[1])
    const joined = segments.join('')
    const path = (joined.startsWith('/') ? joined : `/${joined}`).replace(/:(\w+)/g, '{$1}')
    if (!node[2] || isInternal(path)) continue
    for (const method of node[2].split(', ')) if (METHODS.includes(method)) routes.add(`${method} ${path}`)
  }
  return routes
}

function isInternal(path: string): boolean {
  if (path === '/docs/' || path.startsWith('/docs/static/')) return true
  if (path.startsWith('/api/')) return false
  // The pages' own files (app.js, styles.css, index.html …), documented with their page.
  return path.endsWith('*') || /\/[^/]+\.[a-z0-9]+$/i.test(path)
}

/** Statuses the OpenAPI document declares, per `METHOD /path`. */
function openApiStatuses(doc: { paths: Record<string, Record<string, { responses?: Record<string, unknown> }>> }): Map<string, number[]> {
  const out = new Map<string, number[]>()
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const statuses = Object.keys(operation.responses ?? {})
        .filter((s) => /^\d{3}$/.test(s))
        .map(Number)
      out.set(`${method.toUpperCase()} ${path}`, statuses)
    }
  }
  return out
}

const doc = readDoc(readFileSync(DOC_PATH, 'utf8'))

t.test('docs/api.md has one section per route and an errors table', async (t) => {
  t.ok(doc.routes.size > 0, 'route headings found')
  t.same(doc.duplicates, [], 'no route is documented twice')
  t.ok(doc.errorTable.size > 0, 'errors table found')
})

t.test('every error code is in the errors table with the status it is sent with', async (t) => {
  const wrong = Object.entries(ErrorCodes)
    .filter(([code, status]) => doc.errorTable.get(code) !== status)
    .map(([code, status]) => `${code} (${status}): ${doc.errorTable.has(code) ? `documented as ${doc.errorTable.get(code)}` : 'missing'}`)
  t.same(wrong, [], 'codes missing from the errors table, or with another status')
  const misfiled = doc.routeRows
    .flatMap(({ route, status, codes }) => codes.map((code) => ({ route, status, code })))
    .filter(({ status, code }) => doc.errorTable.get(code) !== status)
    .map(({ route, status, code }) => `${route}: ${status} ${code}`)
  t.same(misfiled, [], 'route tables name only codes of the errors table, with their status')
})

t.test('every route of the app is documented, with every status the OpenAPI document declares', async (t) => {
  const app = await documentedApp(t)

  const served = servedRoutes(app)
  t.ok(served.size > 0, 'routes found in the app')
  const undocumented = [...served].filter((route) => !doc.routes.has(route)).sort()
  t.same(undocumented, [], 'routes of the app without a `### METHOD /path` section in docs/api.md')

  const openApi = await app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(openApi.statusCode, 200, 'the OpenAPI document is served')
  const declared = openApiStatuses(openApi.json())
  const missingStatuses: string[] = []
  for (const [route, statuses] of declared) {
    const documented = doc.routes.get(route)
    if (!documented) {
      missingStatuses.push(`${route}: not documented`)
      continue
    }
    const missing = statuses.filter((s) => !documented.has(s))
    if (missing.length > 0) missingStatuses.push(`${route}: ${missing.join(', ')}`)
    const notDeclared = [...documented].filter((s) => !statuses.includes(s))
    if (notDeclared.length > 0) t.comment(`${route}: documented, not in the OpenAPI document (yet): ${notDeclared.join(', ')}`)
  }
  t.same(missingStatuses, [], 'statuses the OpenAPI document declares that the route’s table lacks')

  // A page may be answered by the static files' wildcard rather than a route of its own.
  const notServed: string[] = []
  for (const route of doc.routes.keys()) {
    if (served.has(route)) continue
    const [method, path] = route.split(' ') as [string, string]
    if (method === 'GET' && !path.startsWith('/api/') && (await app.inject({ method: 'GET', url: path })).statusCode !== 404) continue
    notServed.push(route)
  }
  for (const route of notServed) t.comment(`documented, not served by the app (yet): ${route}`)
})
