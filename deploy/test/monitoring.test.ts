/**
 * Prometheus and Grafana as compose runs them: Prometheus scrapes every gateway replica and the
 * core; Grafana is provisioned with the repository's dashboard, which parses and names only
 * metrics the code exports, and reads the line gauges in the one way that does not multiply them.
 */
import t from 'tap'
import { parse } from 'yaml'
import { exportedMetricNames, promqlMetricNames, read, readCompose } from './read.ts'

const DASHBOARD = 'deploy/grafana/dashboards/rushgate.json'
/** Series Prometheus makes itself for every target. */
const PROMETHEUS_OWN = new Set(['up'])

interface Panel {
  title: string
  datasource?: { uid?: string }
  targets?: { expr: string; datasource?: { uid?: string } }[]
}

t.test('Prometheus scrapes every gateway replica through Docker DNS, and the core', async (t) => {
  const config = parse(read('deploy/prometheus/prometheus.yml'))
  const job = (name: string) => config.scrape_configs.find((j: { job_name: string }) => j.job_name === name)
  t.match(job('gateway').dns_sd_configs, [{ names: ['gateway'], type: 'A', port: 3000 }], 'each replica, by the service name')
  t.match(job('core').static_configs, [{ targets: ['core:3001'] }])
  t.notMatch(JSON.stringify(config), /balancer/, 'not through the balancer, which would hit one replica at random')
})

t.test('Grafana is provisioned with the dashboard kept in the repository', async (t) => {
  const { services } = readCompose()
  const mounts = (services.grafana!.volumes as string[]).map((v) => v.split(':'))
  const target = (source: string) => mounts.find(([from]) => from === source)?.[1]
  const provider = parse(read('deploy/grafana/provisioning/dashboards/rushgate.yml')).providers[0]
  t.equal(provider.options.path, target('./deploy/grafana/dashboards'), 'the provider reads the folder compose mounts')
  t.equal(target('./deploy/grafana/provisioning'), '/etc/grafana/provisioning')
  const datasource = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')).datasources[0]
  t.equal(datasource.url, 'http://prometheus:9090', 'the datasource is the compose Prometheus')

  const dashboard = JSON.parse(read(DASHBOARD)) as { uid: string; panels: Panel[] }
  t.ok(dashboard.uid, 'the dashboard parses and has a uid')
  for (const panel of dashboard.panels) {
    for (const uid of [panel.datasource?.uid, ...(panel.targets ?? []).map((target) => target.datasource?.uid)]) {
      t.equal(uid, datasource.uid, `"${panel.title}" reads the provisioned datasource`)
    }
  }
})

t.test('the dashboard names only metrics the code exports, and takes the line gauges with max by (concert)', async (t) => {
  const exported = exportedMetricNames()
  t.ok(exported.has('rushgate_queue_waiting') && exported.has('rushgate_refunds_total'), 'the code was read')
  const { panels } = JSON.parse(read(DASHBOARD)) as { panels: Panel[] }
  const used = new Set<string>()
  for (const panel of panels) {
    for (const { expr } of panel.targets ?? []) {
      const names = promqlMetricNames(expr)
      t.ok(names.length > 0, `"${panel.title}" reads a metric`)
      for (const name of names) {
        used.add(name)
        t.ok(exported.has(name) || PROMETHEUS_OWN.has(name), `"${panel.title}": ${name} is exported`)
      }
      // The line gauges are deployment figures: summed raw, a change of exporting replica would double them.
      if (/rushgate_queue_(waiting|active)/.test(expr)) t.match(expr, /max by \(concert\) \(rushgate_queue_(waiting|active)\)/, `"${panel.title}": max by (concert)`)
      if (/rushgate_line_/.test(expr)) t.match(expr, /max by \(concert(, reason)?\) \(rushgate_line_\w+\)/, `"${panel.title}": max by (concert)`)
    }
  }
  for (const name of ['rushgate_queue_waiting', 'rushgate_queue_active', 'rushgate_admissions_total', 'rushgate_abandoned_total', 'rushgate_holds_total', 'rushgate_payments_total', 'rushgate_refunds_total', 'rushgate_line_seats_available', 'rushgate_line_seats_held', 'rushgate_line_held_back', 'rushgate_line_effective_admit_per_tick', 'rushgate_line_core_p95_ms']) {
    t.ok(used.has(name), `the dashboard shows ${name}`)
  }
})

t.test('the metric names a PromQL expression reads', async (t) => {
  t.same(promqlMetricNames('sum by (concert) (rate(rushgate_admissions_total{job="gateway"}[1m]))'), ['rushgate_admissions_total'])
  t.same(promqlMetricNames('sum(max by (concert) (rushgate_queue_waiting)) / on (x) group_left up'), ['rushgate_queue_waiting', 'up'])
  t.same(promqlMetricNames('histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))'), ['x_bucket'])
})
