// SPDX-License-Identifier: GPL-2.0-or-later
// platform/MetricsServer over real TCP on loopback, and core/LoopbackEndpoint.
#include "DescriptorFill.h"
#include "core/LoopbackEndpoint.h"
#include "platform/MetricsServer.h"
#include "registry/RegistryOptions.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QtTest>
#include <memory>
#include <vector>

using namespace re6st;
using re6st::platform::MetricsServer;

namespace {

struct Exchange
{
    QByteArray bytes;
    bool closed = false;
    int status() const { return bytes.mid(9, 3).toInt(); }
    QByteArray header(const QByteArray &name) const
    {
        const qsizetype end = bytes.indexOf("\r\n\r\n");
        for (const QByteArray &line : bytes.left(end).split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().toLower() == name) return line.mid(colon + 1).trimmed();
        }
        return {};
    }
    QByteArray body() const
    {
        const qsizetype end = bytes.indexOf("\r\n\r\n");
        return end < 0 ? QByteArray() : bytes.mid(end + 4);
    }
};

// Sends `request` on a new connection and collects everything until the server closes.
Exchange exchange(const QHostAddress &host, quint16 port, const QByteArray &request, int timeoutMs = 10000)
{
    Exchange e;
    QTcpSocket s;
    QObject::connect(&s, &QTcpSocket::connected, &s, [&] { s.write(request); });
    QObject::connect(&s, &QTcpSocket::readyRead, &s, [&] { e.bytes += s.readAll(); });
    QObject::connect(&s, &QTcpSocket::disconnected, &s, [&] { e.closed = true; });
    QObject::connect(&s, &QTcpSocket::errorOccurred, &s, [&] { e.closed = true; });
    s.connectToHost(host, port);
    (void)QTest::qWaitFor([&] { return e.closed; }, timeoutMs); // e.closed is checked by the caller
    e.bytes += s.readAll();
    return e;
}

} // namespace

class TestMetricsServer final : public QObject
{
    Q_OBJECT

    int m_renders = 0;
    std::unique_ptr<MetricsServer> m_server;
    quint16 port() const { return m_server->serverPort(); }
    Exchange get(const QByteArray &request) { return exchange(QHostAddress::LocalHost, port(), request); }

private Q_SLOTS:
    void init()
    {
        m_renders = 0;
        m_server = std::make_unique<MetricsServer>([this] {
            ++m_renders;
            return QByteArray("# HELP x_total X.\n# TYPE x_total counter\nx_total ") + QByteArray::number(m_renders)
                + '\n';
        });
        QString error;
        QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
        QVERIFY(port() != 0);
    }
    void cleanup() { m_server.reset(); }

    void loopbackEndpoint_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("address"); // empty: refused
        QTest::addColumn<int>("port");
        QTest::newRow("v4") << "127.0.0.1:9326" << "127.0.0.1" << 9326;
        QTest::newRow("v4 net") << "127.0.0.2:1" << "127.0.0.2" << 1;
        QTest::newRow("v6") << "[::1]:9326" << "::1" << 9326;
        QTest::newRow("localhost") << "localhost:65535" << "127.0.0.1" << 65535;
        QTest::newRow("any v4") << "0.0.0.0:9326" << "" << 0;
        QTest::newRow("any v6") << "[::]:9326" << "" << 0;
        QTest::newRow("public") << "192.0.2.1:9326" << "" << 0;
        QTest::newRow("v6 public") << "[2001:db8::1]:9326" << "" << 0;
        QTest::newRow("unbracketed v6") << "::1:9326" << "" << 0;
        QTest::newRow("no port") << "127.0.0.1" << "" << 0;
        QTest::newRow("port 0") << "127.0.0.1:0" << "" << 0;
        QTest::newRow("port too big") << "127.0.0.1:65536" << "" << 0;
        QTest::newRow("port sign") << "127.0.0.1:+80" << "" << 0;
        QTest::newRow("port text") << "127.0.0.1:http" << "" << 0;
        QTest::newRow("hostname") << "example.com:9326" << "" << 0;
        QTest::newRow("empty") << "" << "" << 0;
    }
    void loopbackEndpoint()
    {
        QFETCH(QString, text);
        QFETCH(QString, address);
        QFETCH(int, port);
        const auto parsed = LoopbackEndpoint::parse(text);
        if (address.isEmpty()) {
            QVERIFY(!parsed);
            return;
        }
        QVERIFY(parsed);
        QCOMPARE(parsed->address, QHostAddress(address));
        QCOMPARE(int(parsed->port), port);
        QCOMPARE(LoopbackEndpoint::parse(parsed->toString())->address, parsed->address);
        QVERIFY(LoopbackEndpoint::usageError("--metrics", text).contains("loopback"));
    }

    void registryOption()
    {
        // re6st-registry --metrics: off by default, loopback ADDR:PORT only.
        using re6st::registry::RegistryOptions;
        const QStringList base{"--ca", "ca.crt", "--key", "ca.key"};
        QVERIFY(RegistryOptions::parse(base).options->metrics.isEmpty());
        QCOMPARE(RegistryOptions::parse(base + QStringList{"--metrics", "[::1]:9327"}).options->metrics, "[::1]:9327");
        QCOMPARE(RegistryOptions::parse(base + QStringList{"--metrics=127.0.0.1:9327"}).options->metrics, "127.0.0.1:9327");
        for (const char *bad : {"0.0.0.0:9327", "10.0.0.1:9327", "127.0.0.1", "127.0.0.1:0"}) {
            const auto r = RegistryOptions::parse(base + QStringList{"--metrics", bad});
            QVERIFY(!r.options);
            QVERIFY2(r.error.contains("--metrics") && r.error.contains("loopback"), qPrintable(r.error));
        }
        QVERIFY(RegistryOptions::isOptionString("--metrics"));
        QVERIFY(RegistryOptions::helpText().contains("--metrics ADDR:PORT"));
    }

    void refusesNonLoopback()
    {
        for (const QHostAddress &a : {QHostAddress(QHostAddress::Any), QHostAddress(QHostAddress::AnyIPv6),
                                      QHostAddress(QStringLiteral("192.0.2.1"))}) {
            MetricsServer s([] { return QByteArray(); });
            QString error;
            QVERIFY(!s.listen(a, 0, &error));
            QVERIFY2(error.contains("not a loopback address"), qPrintable(error));
            QVERIFY(!s.isListening());
        }
        // Port in use: a clear error too.
        MetricsServer s([] { return QByteArray(); });
        QString error;
        QVERIFY(!s.listen(QHostAddress::LocalHost, port(), &error));
        QVERIFY2(error.contains("--metrics"), qPrintable(error));
    }

    void scrape()
    {
        const Exchange e = get("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/plain\r\n\r\n");
        QVERIFY(e.closed);
        QVERIFY2(e.bytes.startsWith("HTTP/1.1 200 OK\r\n"), e.bytes.constData());
        QCOMPARE(e.header("content-type"), QByteArray("text/plain; version=0.0.4; charset=utf-8"));
        QCOMPARE(e.header("connection"), QByteArray("close"));
        QCOMPARE(e.body(), QByteArray("# HELP x_total X.\n# TYPE x_total counter\nx_total 1\n"));
        QCOMPARE(e.header("content-length").toInt(), e.body().size());
        // Rendered again on each scrape; a query string is ignored; HTTP/1.0 works.
        const Exchange again = get("GET /metrics?name[]=x HTTP/1.0\r\n\r\n");
        QCOMPARE(again.status(), 200);
        QVERIFY(again.body().endsWith("x_total 2\n"));
        QCOMPARE(m_server->scrapes(), quint64(2));
    }

    void head()
    {
        const Exchange e = get("HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        QCOMPARE(e.status(), 200);
        QVERIFY(e.header("content-length").toInt() > 0);
        QVERIFY(e.body().isEmpty());
    }

    void errors_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        QTest::newRow("other path") << QByteArray("GET / HTTP/1.1\r\n\r\n") << 404;
        QTest::newRow("prefix path") << QByteArray("GET /metricsx HTTP/1.1\r\n\r\n") << 404;
        QTest::newRow("sub path") << QByteArray("GET /metrics/ HTTP/1.1\r\n\r\n") << 404;
        QTest::newRow("POST") << QByteArray("POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n") << 405;
        QTest::newRow("DELETE") << QByteArray("DELETE /metrics HTTP/1.1\r\n\r\n") << 405;
        QTest::newRow("garbage") << QByteArray("hello\r\n\r\n") << 400;
        QTest::newRow("HTTP/2 line") << QByteArray("GET /metrics HTTP/2\r\n\r\n") << 400;
        QTest::newRow("no target") << QByteArray("GET  HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("huge head") << QByteArray("GET /metrics HTTP/1.1\r\nX: ") + QByteArray(MetricsServer::MaxHead + 10, 'a')
                                   << 431;
    }
    void errors()
    {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        const Exchange e = get(request);
        QVERIFY(e.closed);
        QCOMPARE(e.status(), status);
        if (status == 405) QCOMPARE(e.header("allow"), QByteArray("GET, HEAD"));
        QCOMPARE(m_renders, 0); // never rendered for an error
    }

    void idleTimeout()
    {
        m_server->setIdleTimeoutMs(300);
        QElapsedTimer t;
        t.start();
        const Exchange e = get("GET /metr"); // never completes
        QVERIFY(e.closed);
        QVERIFY(e.bytes.isEmpty());
        QVERIFY(t.elapsed() < 9000);
        QCOMPARE(m_renders, 0);
    }

    void connectionLimit()
    {
        std::vector<std::unique_ptr<QTcpSocket>> idle;
        for (int i = 0; i < MetricsServer::MaxConnections; ++i) {
            idle.push_back(std::make_unique<QTcpSocket>());
            idle.back()->connectToHost(QHostAddress::LocalHost, port());
            QVERIFY(idle.back()->waitForConnected(5000));
        }
        // Let the server accept them all, then one more is refused.
        QTRY_COMPARE_WITH_TIMEOUT(m_server->connectionCount(), MetricsServer::MaxConnections, 5000);
        const Exchange refused = get("GET /metrics HTTP/1.1\r\n\r\n");
        QVERIFY(refused.closed);
        QVERIFY(refused.bytes.isEmpty());
        // Freed slots are reused.
        idle.clear();
        QTRY_COMPARE_WITH_TIMEOUT(m_server->connectionCount(), 0, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(get("GET /metrics HTTP/1.1\r\n\r\n").status(), 200, 10000);
    }

    // Out of file descriptors: a waiting scrape gets 503 at once
    // (platform/TcpAcceptor), and scrapes work again after.
    void outOfDescriptorsIs503()
    {
        const int fd = test::rawConnect(port());
        QVERIFY(fd >= 0);
        QVERIFY(test::rawSend(fd, "GET /metrics HTTP/1.1\r\n\r\n"));
        const auto answers = test::receiveWhileFull({fd});
        QVERIFY2(answers, "not answered while out of descriptors");
        Exchange e;
        e.bytes = answers->front();
        ::close(fd);
        QVERIFY2(e.bytes.startsWith("HTTP/1.1 503 Service Unavailable\r\n"), e.bytes.constData());
        QCOMPARE(e.header("connection"), QByteArray("close"));
        QCOMPARE(e.body(), QByteArray("out of file descriptors, retry later\n"));
        QCOMPARE(m_renders, 0);
        QTest::ignoreMessage(QtInfoMsg, QRegularExpression(QStringLiteral("accepting connections on port \\d+ again")));
        QCOMPARE(get("GET /metrics HTTP/1.1\r\n\r\n").status(), 200);
    }

    void ipv6Loopback()
    {
        MetricsServer s([] { return QByteArray("v6 1\n"); });
        QString error;
        if (!s.listen(QHostAddress::LocalHostIPv6, 0, &error)) QSKIP(qPrintable("no IPv6 loopback: " + error));
        const Exchange e = exchange(QHostAddress::LocalHostIPv6, s.serverPort(), "GET /metrics HTTP/1.1\r\n\r\n");
        QCOMPARE(e.status(), 200);
        QCOMPARE(e.body(), QByteArray("v6 1\n"));
    }

    void qtHttpClient()
    {
        // A real HTTP client (as a Prometheus scraper) parses the answer.
        QNetworkAccessManager nam;
        QNetworkReply *reply = nam.get(QNetworkRequest(QUrl(QStringLiteral("http://127.0.0.1:%1/metrics").arg(port()))));
        QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        QCOMPARE(reply->header(QNetworkRequest::ContentTypeHeader).toString(),
                 QStringLiteral("text/plain; version=0.0.4; charset=utf-8"));
        QVERIFY(reply->readAll().contains("x_total 1"));
        reply->deleteLater();
        QNetworkReply *missing = nam.get(QNetworkRequest(QUrl(QStringLiteral("http://127.0.0.1:%1/nope").arg(port()))));
        QTRY_VERIFY_WITH_TIMEOUT(missing->isFinished(), 10000);
        QCOMPARE(missing->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 404);
        missing->deleteLater();
    }
};

QTEST_GUILESS_MAIN(TestMetricsServer)
#include "tst_metricsserver.moc"
