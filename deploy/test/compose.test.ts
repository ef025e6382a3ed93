/**
 * docker-compose.yml, checked without Docker: secrets required and never defaulted, node (not
 * pnpm) as every service's process, a healthcheck on every long-running service, the balancer as
 * the one way in to the gateways, a seed that starts under NODE_ENV=production, monitoring under a
 * profile, and every file a service mounts present in the repository.
 */
import { loadConfig as coreConfig } from '@rushgate/core/config'
import { loadConfig as gatewayConfig } from '@rushgate/gateway/config'
import t from 'tap'
import { environment, exists, interpolate, read, readCompose, references } from './read.ts'

const compose = readCompose()
const { services } = compose
const REQUIRED_SECRETS = ['INTERNAL_TOKEN', 'ADMIN_TOKEN', 'POSTGRES_PASSWORD']
/** What an operator's .env would hold: 24 characters each, as the README's one-liner makes them. */
const secrets = Object.fromEntries(REQUIRED_SECRETS.map((name) => [name, `${name.toLowerCase().replace(/_/g, '')}0123456789abcdef`.slice(0, 24)]))
const isSecret = (name: string) => /TOKEN|PASSWORD|SECRET/.test(name)
const APP_SERVICES = ['core', 'seed', 'gateway']
const inMonitoring = (name: string) => (services[name]!.profiles ?? []).includes('monitoring')
/** Compose adds the image's ENV: NODE_ENV=production and HOST=0.0.0.0 (Dockerfile). */
const IMAGE_ENV = { NODE_ENV: 'production', HOST: '0.0.0.0' }

t.test('every secret is required (the `:?` interpolation), never defaulted, and none is a known value', async (t) => {
  const refs = references(compose.raw)
  for (const name of REQUIRED_SECRETS) t.ok(refs.some((r) => r.name === name), `${name} is asked for`)
  for (const ref of refs.filter((r) => isSecret(r.name))) {
    t.equal(ref.operator, ':?', `\${${ref.name}…} is required (:?), not defaulted`)
    t.ok(ref.rest.trim().length > 0, `\${${ref.name}:?…} says what to set`)
  }
  for (const [name, service] of Object.entries(services)) {
    for (const [key, value] of Object.entries(service.environment ?? {})) {
      if (!isSecret(key)) continue
      t.match(String(value), /\$\{[A-Z_]+:\?[^}]+\}/, `${name}.${key} comes from a required variable, not the file`)
    }
  }
  for (const file of ['docker-compose.yml', 'Dockerfile', 'deploy/haproxy/haproxy.cfg', 'deploy/prometheus/prometheus.yml']) {
    t.notMatch(read(file), /change-?me/i, `no "change-me" in ${file}`)
  }
  t.throws(() => environment(services.gateway!, {}), /required variable INTERNAL_TOKEN/, 'without the secrets compose refuses to start')
})

t.test('the services run node itself: no pnpm as command, entrypoint or healthcheck', async (t) => {
  for (const [name, service] of Object.entries(services)) {
    for (const field of ['command', 'entrypoint']) {
      const value = service[field]
      if (value === undefined) continue
      t.notMatch([value].flat().join(' '), /\bpnpm\b/, `${name}.${field} is not pnpm`)
    }
    if (service.healthcheck) t.notMatch([service.healthcheck.test].flat().join(' '), /\bpnpm\b/, `${name}'s healthcheck is not pnpm`)
  }
  for (const name of APP_SERVICES) {
    const command = services[name]!.command as string[]
    t.equal(command.length, 2, `${name}: node and a file, no loader`)
    t.equal(command[0], 'node')
    // The image holds the compiled files only: each is compiled from a source of the same path under src/.
    const source = command[1]!.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts')
    t.match(command[1], /^dist\/.*\.js$/, `${name}: runs compiled JavaScript`)
    t.ok(exists(`${services[name]!.working_dir.replace(/^\/app\//, '')}/${source}`), `${name}: ${command[1]} is compiled from ${source} in ${services[name]!.working_dir}`)
    t.equal(services[name]!.init, true, `${name}: tini as PID 1 passes SIGTERM on to node`)
  }
})

t.test('every long-running service has a healthcheck; the gateway and the core report readiness', async (t) => {
  const oneShot = Object.entries(services)
    .filter(([, s]) => s.restart === 'no')
    .map(([name]) => name)
  t.same(oneShot, ['seed'], 'the seed is the one one-shot service')
  for (const [name, service] of Object.entries(services)) {
    if (oneShot.includes(name)) continue
    t.ok(Array.isArray(service.healthcheck?.test) && service.healthcheck.test.length > 1, `${name} has a healthcheck`)
  }
  t.match(services.gateway!.healthcheck.test.join(' '), /127\.0\.0\.1:3000\/health\/ready/)
  t.match(services.core!.healthcheck.test.join(' '), /127\.0\.0\.1:3001\/health\/ready/)
})

t.test('the gateways are reached through the balancer only, on one port, which follows /health/ready', async (t) => {
  const published = Object.entries(services)
    .filter(([name, s]) => s.ports && !inMonitoring(name))
    .map(([name, s]) => [name, (s.ports as string[]).map((port) => interpolate(port, {}))])
  t.same(published, [['balancer', ['3000:8080']]], 'only the balancer publishes a port, one (:3000 unless RUSHGATE_PORT says otherwise)')
  t.notOk(services.gateway!.container_name, 'the gateway can be scaled (no fixed container name)')
  const haproxy = read('deploy/haproxy/haproxy.cfg')
  t.match(haproxy, /^\s*bind :8080$/m, 'the balancer listens on the port compose publishes')
  t.match(haproxy, /^\s*server-template gateway \d+ gateway:3000 check check-proto h1 proto h2$/m, 'one slot per replica, found by the service name, spoken to in HTTP/2')
  t.match(haproxy, /^\s*http-reuse always$/m, "clients' streams share the connections to a replica")
  t.match(haproxy, /^\s*default-server .*\bresolvers docker\b/m, 'through Docker DNS, re-resolved')
  t.match(haproxy, /^\s*nameserver \S+ 127\.0\.0\.11:53$/m, "Docker's embedded DNS")
  t.match(haproxy, /^\s*http-check send meth GET uri \/health\/ready$/m, 'the check is readiness')
  t.match(haproxy, /^\s*http-check expect status 200$/m)
  const [, inter, fall] = /default-server inter (\d+)s fall (\d+)/.exec(haproxy) ?? []
  const drainMs = Number(services.gateway!.environment.SHUTDOWN_DRAIN_MS)
  t.ok(Number(inter) * Number(fall) * 1000 < drainMs, `out of rotation (${inter} s × ${fall}) before a draining gateway stops listening (${drainMs} ms)`)
  t.equal(services.gateway!.environment.TRUST_PROXY, 1, 'the gateway takes the client address from the one balancer in front')
  t.match(haproxy, /^\s*option forwardfor$/m, 'which sends it')
})

t.test('each app service starts with its environment under NODE_ENV=production; the seed has what it needs', async (t) => {
  const envOf = (name: string): Record<string, string> => ({ ...IMAGE_ENV, ...environment(services[name]!, secrets) })
  t.doesNotThrow(() => coreConfig(envOf('core')), 'the core')
  t.doesNotThrow(() => coreConfig(envOf('seed')), 'the seed (it reads the core configuration)')
  t.doesNotThrow(() => gatewayConfig(envOf('gateway')), 'the gateway')
  t.equal(coreConfig(envOf('seed')).databaseUrl, coreConfig(envOf('core')).databaseUrl, 'the seed fills the database the core uses')
  t.equal(envOf('seed').INTERNAL_TOKEN, envOf('gateway').INTERNAL_TOKEN, 'one credential for all')
  t.equal(envOf('core').INTERNAL_TOKEN, envOf('gateway').INTERNAL_TOKEN)
  const database = new URL(envOf('core').DATABASE_URL!)
  const postgres = environment(services.postgres!, secrets)
  t.equal(decodeURIComponent(database.password), postgres.POSTGRES_PASSWORD, "the core's password is Postgres's")
  t.equal(database.username, postgres.POSTGRES_USER)
  t.equal(database.pathname, `/${postgres.POSTGRES_DB}`)
  t.match(services.seed!.depends_on, { core: { condition: 'service_healthy' } }, 'the seed waits for the core (and its migrations)')
  t.throws(() => coreConfig({ ...envOf('seed'), INTERNAL_TOKEN: '' }), /INTERNAL_TOKEN/, 'without the credential it would not start')
})

t.test('Prometheus and Grafana run only with --profile monitoring, on loopback ports', async (t) => {
  for (const name of ['prometheus', 'grafana']) {
    t.ok(inMonitoring(name), `${name} is under the monitoring profile`)
    for (const port of services[name]!.ports ?? []) t.match(port, /^127\.0\.0\.1:/, `${name} publishes ${port} on loopback only`)
  }
  for (const [name, service] of Object.entries(services)) {
    if (inMonitoring(name)) continue
    for (const dependency of Object.keys(service.depends_on ?? {})) t.notOk(inMonitoring(dependency), `${name} does not need ${dependency}`)
  }
})

t.test('every file a service mounts, and what it builds from, is in the repository', async (t) => {
  let mounts = 0
  for (const [name, service] of Object.entries(services)) {
    for (const volume of service.volumes ?? []) {
      const source = String(volume).split(':')[0]!
      if (!source.startsWith('./')) continue
      mounts++
      t.ok(exists(source), `${name} mounts ${source}, which exists`)
    }
    if (service.build) t.ok(exists(`${service.build}/Dockerfile`.replace(/^\.\//, '')), `${name} builds from a Dockerfile that exists`)
  }
  t.ok(mounts >= 4, 'haproxy.cfg, prometheus.yml and the Grafana provisioning and dashboards')
})

t.test('the sentinel profile: a replica of `redis` and three Sentinels that the gateways can be put on', async (t) => {
  const inSentinel = (name: string) => (services[name]!.profiles ?? []).includes('sentinel')
  const sentinels = ['redis-sentinel-1', 'redis-sentinel-2', 'redis-sentinel-3']
  for (const name of ['redis-replica', ...sentinels]) t.ok(inSentinel(name), `${name} is under the sentinel profile`)
  t.notOk(inSentinel('redis'), 'the primary is `redis`, which always runs')
  const replica = (services['redis-replica']!.command as string[]).join(' ')
  t.match(replica, /--replicaof redis 6379/, 'the replica replicates `redis`')
  t.match(replica, /--appendonly yes/, 'with the primary’s persistence')

  const conf = read('deploy/redis/sentinel.conf')
  const [, name, host, port, quorum] = /^sentinel monitor (\S+) (\S+) (\d+) (\d+)$/m.exec(conf) ?? []
  t.equal(`${host}:${port}`, 'redis:6379', 'the Sentinels watch `redis`')
  t.equal(Number(quorum), 2, 'two of the three agree before a failover')
  t.match(conf, /^sentinel resolve-hostnames yes$/m, 'by its compose name')
  t.match(conf, /^port 26379$/m)
  for (const sentinel of sentinels) {
    const service = services[sentinel]!
    t.match(service.command.join(' '), /cp \/etc\/redis\/sentinel\.conf \/data\/sentinel\.conf && exec redis-server \/data\/sentinel\.conf --sentinel/, `${sentinel} runs a writable copy`)
    t.ok(service.volumes.includes('./deploy/redis/sentinel.conf:/etc/redis/sentinel.conf:ro'), `${sentinel} mounts the file it copies`)
    t.notOk(service.ports, `${sentinel} publishes no port`)
  }

  // The gateway as the comment at the top of the file starts it, with the profile.
  const documented = /REDIS_SENTINELS=(\S+) \\/.exec(compose.raw)?.[1] ?? ''
  const envOf = (vars: Record<string, string>) => ({ ...IMAGE_ENV, ...environment(services.gateway!, { ...secrets, ...vars }) })
  const onSentinel = gatewayConfig(envOf({ REDIS_SENTINELS: documented, REDIS_WAIT_REPLICAS: '1' }))
  t.same(
    onSentinel.redisSentinels,
    sentinels.map((host) => ({ host, port: 26379 })),
    'the documented REDIS_SENTINELS names the three Sentinels',
  )
  t.equal(onSentinel.redisSentinelName, name, 'the gateways ask for the primary by the name the Sentinels watch')
  t.equal(onSentinel.redisWaitReplicas, 1, 'and may wait for the replica')
  const plain = gatewayConfig(envOf({}))
  t.equal(plain.redisSentinels, null, 'without the variable the gateways use REDIS_URL, as before')
  t.equal(plain.redisWaitReplicas, 0)
})
