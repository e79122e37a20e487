// SPDX-License-Identifier: GPL-2.0-or-later
// re6st-registry --metrics (re6st-qt extension): a real registry process, real
// requests, then a scrape of the Prometheus endpoint (core/MetricsCatalog.h).
#include "E2eSupport.h"

#include "core/MetricsCatalog.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace re6st;
using namespace re6st::e2e;

namespace {

QByteArray name(const metrics::MetricSpec &spec)
{
    return QByteArray(spec.name.data(), qsizetype(spec.name.size()));
}

// Value of the sample "<series> <value>" (exact series text), or empty.
QByteArray sampleValue(const QByteArray &text, const QByteArray &series)
{
    for (const QByteArray &line : text.split('\n'))
        if (line.startsWith(series + ' ')) return line.mid(series.size() + 1);
    return {};
}

double number(const QByteArray &text, const QByteArray &series)
{
    const QByteArray v = sampleValue(text, series);
    return v.isEmpty() ? -1 : v.toDouble();
}

QByteArray requestsSeries(const QByteArray &method, int status)
{
    return "re6st_registry_requests_total{method=\"" + method + "\",status=\"" + QByteArray::number(status) + "\"}";
}

// TCP sockets listening in process `pid` (ss -ltnp), -1 if ss is unavailable.
int listeningSockets(qint64 pid)
{
    QProcess ss;
    ss.start("ss", {"-H", "-l", "-n", "-t", "-p"});
    if (!ss.waitForFinished(10000) || ss.exitCode() != 0) return -1;
    const QByteArray tag = "pid=" + QByteArray::number(pid) + ',';
    int sockets = 0;
    for (const QByteArray &line : ss.readAllStandardOutput().split('\n'))
        if (line.contains(tag)) ++sockets;
    return sockets;
}

} // namespace

class MetricsE2e final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_dir;

    HttpReply scrape(quint16 port) { return httpGet(port, "/metrics"); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_dir = m_tmp.path();
        QVERIFY(installVectorCa(m_dir));
    }

    void countsRequests()
    {
        const QString mbox = m_dir + "/tokens.mbox";
        QVERIFY(writeAll(mbox, {}));
        RegistryProcess registry;
        QString error;
        quint16 metricsPort = 0;
        for (int attempt = 0; attempt < 5 && !registry.isRunning(); ++attempt) {
            metricsPort = freePort();
            if (!registry.start(RegistryProcess::config(m_dir, {"--metrics", QStringLiteral("127.0.0.1:%1").arg(metricsPort),
                                                                "--mailhost", mbox, "--anonymous-prefix-length", "20",
                                                                "--db", m_dir + "/metrics.db"}),
                                &error)
                && !error.contains("cannot serve metrics"))
                QFAIL(qPrintable(error));
        }
        QVERIFY2(registry.isRunning(), qPrintable(error));
        // RegistryProcess::start polled /getCa until it answered: at least one 200.
        HttpReply first = scrape(metricsPort);
        QCOMPARE(first.status, 200);
        QCOMPARE(first.header("content-type"), QByteArray("text/plain; version=0.0.4; charset=utf-8"));
        const double getCaBefore = number(first.body, requestsSeries("getCa", 200));
        QVERIFY2(getCaBefore >= 1, first.body.constData());
        QCOMPARE(number(first.body, "re6st_registry_tokens_pending"), 0.0);

        // Requests: getCa x3, an unknown method (400), a missing parameter (400),
        // an unparseable request head (400, method "unknown"), a private method from
        // an authorized origin (addToken: 204), requestToken (mbox: 204), an
        // anonymous requestCertificate (200: one certificate issued).
        for (int i = 0; i < 3; ++i) QCOMPARE(httpGet(registry.port(), "/getCa").status, 200);
        QCOMPARE(httpGet(registry.port(), "/noSuchMethod").status, 400);
        QCOMPARE(httpGet(registry.port(), "/requestToken").status, 400);
        QCOMPARE(httpRaw(registry.port(), "NOT-HTTP\r\n\r\n").status, 400);
        QCOMPARE(httpGet(registry.port(), target("addToken", {{"email", "a@example.com"}, {"token", "metricstoken"}})).status, 204);
        const HttpReply token = httpGet(registry.port(), target("requestToken", {{"email", "b@example.com"}}));
        QVERIFY2(token.status == 204, qPrintable(token.describe()));
        const crypto::RsaKey key = crypto::RsaKey::generate(2048).value();
        const HttpReply cert = httpGet(registry.port(), requestCertificateTarget("", csrPem(key)));
        QVERIFY2(cert.status == 200, qPrintable(cert.describe()));

        const HttpReply r = scrape(metricsPort);
        QCOMPARE(r.status, 200);
        const QByteArray &text = r.body;
        QCOMPARE(number(text, requestsSeries("getCa", 200)), getCaBefore + 3);
        QCOMPARE(number(text, requestsSeries("unknown", 400)), 2.0); // unknown method + bad head
        QCOMPARE(number(text, requestsSeries("requestToken", 400)), 1.0);
        QCOMPARE(number(text, requestsSeries("requestToken", 204)), 1.0);
        QCOMPARE(number(text, requestsSeries("addToken", 204)), 1.0);
        QCOMPARE(number(text, requestsSeries("requestCertificate", 200)), 1.0);
        QCOMPARE(number(text, "re6st_registry_certificates_issued_total{kind=\"request\"}"), 1.0);
        QCOMPARE(number(text, "re6st_registry_certificates_issued_total{kind=\"renew\"}"), 0.0);
        QCOMPARE(number(text, "re6st_registry_tokens_pending"), 2.0); // addToken + requestToken
        QCOMPARE(number(text, "re6st_registry_certificates_valid"), 1.0);
        QCOMPARE(number(text, "re6st_registry_certificates_stored"), 1.0);
        // Histogram: +Inf bucket = count = every dispatched request (bad head excluded).
        const double count = number(text, "re6st_registry_request_duration_seconds_count");
        QVERIFY2(count >= getCaBefore + 3 + 5, text.constData());
        QCOMPARE(number(text, "re6st_registry_request_duration_seconds_bucket{le=\"+Inf\"}"), count);
        QVERIFY(number(text, "re6st_registry_request_duration_seconds_sum") > 0);
        QCOMPARE(number(text, "re6st_build_info{version=\"" RE6ST_VERSION "\",program=\"re6st-registry\"}"), 1.0);

        // Every registry metric of the catalog has HELP and TYPE; every sample is in the catalog.
        for (const metrics::MetricSpec *spec : metrics::RegistryCatalog) {
            QVERIFY2(text.startsWith("# HELP " + name(*spec) + ' ') || text.contains("\n# HELP " + name(*spec) + ' '),
                     spec->name.data());
            QVERIFY2(text.contains("\n# TYPE " + name(*spec) + ' ' + QByteArray(metrics::typeName(spec->type).data()) + '\n'),
                     spec->name.data());
        }
        for (const QByteArray &line : text.split('\n')) {
            if (line.isEmpty() || line.startsWith('#')) continue;
            const QByteArray series = line.left(line.indexOf(' '));
            QByteArray metric = series.left(series.indexOf('{') < 0 ? series.size() : series.indexOf('{'));
            bool known = false;
            for (const metrics::MetricSpec *spec : metrics::RegistryCatalog)
                for (const char *suffix : {"", "_bucket", "_sum", "_count"})
                    known = known || metric == name(*spec) + suffix;
            QVERIFY2(known, line.constData());
        }

        // The metrics port speaks only /metrics; the registry port does not serve it.
        QCOMPARE(httpGet(metricsPort, "/getCa").status, 404);
        QCOMPARE(httpRaw(metricsPort, requestBytes("POST", "/metrics", {{"Content-Length", "0"}})).status, 405);
        QCOMPARE(httpGet(registry.port(), "/metrics").status, 400);
        const int sockets = listeningSockets(registry.pid());
        if (sockets >= 0) QCOMPARE(sockets, 2); // registry port + metrics port
        registry.stop();
    }

    void offByDefault()
    {
        QFile::remove(m_dir + "/registry.log");
        QFile::remove(m_dir + "/registry.out");
        RegistryProcess registry;
        QString error;
        QVERIFY2(registry.start(RegistryProcess::config(m_dir, {"--db", m_dir + "/plain.db"}), &error), qPrintable(error));
        // Nothing of ours listens on loopback besides the registry port itself.
        const int sockets = listeningSockets(registry.pid());
        if (sockets < 0) QSKIP("ss (iproute2) is needed to list listening sockets");
        QCOMPARE(sockets, 1); // -4 127.0.0.1:<port>, -6 disabled
        QVERIFY(!registry.output().contains("metrics at"));
        QVERIFY(!registry.log().contains("metrics at"));
        registry.stop();
    }

    void refusesNonLoopback_data()
    {
        QTest::addColumn<QString>("endpoint");
        QTest::newRow("any") << "0.0.0.0:9327";
        QTest::newRow("v6 any") << "[::]:9327";
        QTest::newRow("public") << "192.0.2.1:9327";
        QTest::newRow("no port") << "127.0.0.1";
    }
    void refusesNonLoopback()
    {
        QFETCH(QString, endpoint);
        QProcess p;
        p.start(registryBinary(), {"--ca", m_dir + "/ca.crt", "--key", m_dir + "/ca.key", "--metrics", endpoint});
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitCode(), 2);
        const QByteArray err = p.readAllStandardError();
        QVERIFY2(err.contains("--metrics") && err.contains("loopback"), err.constData());
    }

    void helpMentionsIt()
    {
        QProcess p;
        p.start(registryBinary(), {"--help"});
        QVERIFY(p.waitForFinished(30000));
        const QByteArray out = p.readAllStandardOutput();
        QVERIFY(out.contains("--metrics ADDR:PORT"));
        QVERIFY(out.contains("off by default"));
        QVERIFY(out.contains("Loopback"));
    }
};

QTEST_GUILESS_MAIN(MetricsE2e)
#include "tst_metrics_e2e.moc"
