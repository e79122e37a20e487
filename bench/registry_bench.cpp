// SPDX-License-Identifier: GPL-2.0-or-later
// re6st-bench-registry: throughput and memory of a real re6st-registry process
// over loopback (not a test: it prints figures). Raw QTcpSocket HTTP/1.1
// clients, keep-alive or one connection per request.
//
//   getCa                      unauthenticated                 target 5,000 req/s
//   getNetworkConfig           hello once, then HMAC ratchet   target 2,000 req/s
//                              (registry-protocol.md §5.2/§5.3: one session per
//                              prefix, so one enrolled prefix per client)
//   requestCertificate         tokens from addToken            vs in-process RSA-2048
//   peak RSS (VmHWM)           with N issued certificates      target < 40 MB
//   the same after one client pipelined getCa without reading the answers
#include "CpuTime.h"
#include "E2eSupport.h"
#include "tests/unit/RawSocket.h"

#include "core/Addressing.h"
#include "core/crypto/CertificateRequest.h"
#include "core/crypto/CertificateSigner.h"
#include "core/crypto/Digest.h"

#include <QCommandLineParser>
#include <QDateTime>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTextStream>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <poll.h>
#include <functional>
#include <unistd.h>

using namespace re6st;
using namespace re6st::e2e;

namespace {

QTextStream &out()
{
    static QTextStream s(stdout);
    return s;
}

struct ProcMemory
{
    qint64 hwmKb = -1;
    qint64 rssKb = -1;
};

ProcMemory procMemory(qint64 pid)
{
    ProcMemory m;
    const QByteArray status = readAll(QStringLiteral("/proc/%1/status").arg(pid));
    for (const QByteArray &line : status.split('\n')) {
        const QList<QByteArray> f = line.simplified().split(' ');
        if (f.size() < 2) continue;
        if (f[0] == "VmHWM:") m.hwmKb = f[1].toLongLong();
        if (f[0] == "VmRSS:") m.rssKb = f[1].toLongLong();
    }
    return m;
}

// One load-generating connection. `next` gives the next raw request (empty: no
// more work); `check` validates an answer. Keep-alive reuses the socket;
// otherwise every request gets a new connection ("Connection: close").
class LoadClient final
{
public:
    using Next = std::function<QByteArray()>;
    using Check = std::function<bool(const HttpReply &)>;

    LoadClient(quint16 port, bool keepAlive, Next next, Check check)
        : m_port(port), m_keepAlive(keepAlive), m_next(std::move(next)), m_check(std::move(check))
    {
        QObject::connect(&m_socket, &QTcpSocket::connected, &m_socket, [this] { sendNext(); });
        QObject::connect(&m_socket, &QTcpSocket::readyRead, &m_socket, [this] { onReadyRead(); });
        QObject::connect(&m_socket, &QTcpSocket::disconnected, &m_socket, [this] { onDisconnected(); });
        QObject::connect(&m_socket, &QTcpSocket::errorOccurred, &m_socket, [this](QAbstractSocket::SocketError) {
            if (m_socket.state() == QAbstractSocket::UnconnectedState) onDisconnected();
        });
    }
    ~LoadClient() { stop(); }
    Q_DISABLE_COPY_MOVE(LoadClient)

    void start()
    {
        m_stopped = false;
        connectSocket();
    }
    void stop()
    {
        m_stopped = true;
        m_socket.abort();
    }
    bool idle() const { return m_finished.load(); }
    QTcpSocket &socket() { return m_socket; }
    qint64 ok = 0;
    qint64 failed = 0;
    QString lastError;

private:
    void connectSocket()
    {
        m_buffer.clear();
        m_inFlight = false;
        m_socket.abort();
        m_socket.connectToHost(QHostAddress::LocalHost, m_port);
    }
    void sendNext()
    {
        if (m_stopped) return;
        const QByteArray req = m_next();
        if (req.isEmpty()) {
            m_finished = true;
            m_socket.abort();
            return;
        }
        m_inFlight = true;
        m_socket.write(req);
    }
    void onReadyRead()
    {
        m_buffer += m_socket.readAll();
        while (m_inFlight) {
            HttpReply r;
            const qsizetype n = parseHttpResponse(m_buffer, false, r);
            if (n == 0) return;
            m_inFlight = false;
            if (n < 0) {
                ++failed;
                lastError = QStringLiteral("malformed response");
                connectSocket();
                return;
            }
            m_buffer.remove(0, n);
            if (m_check(r)) ++ok;
            else {
                ++failed;
                lastError = r.describe();
            }
            const bool serverCloses = r.header("connection").toLower() == "close" || r.statusLine.startsWith("HTTP/1.0");
            if (m_stopped) return;
            if (!m_keepAlive || serverCloses) connectSocket();
            else sendNext();
        }
    }
    void onDisconnected()
    {
        if (m_stopped || m_finished) return;
        if (m_inFlight) {
            // The answer may have been complete at close time.
            HttpReply r;
            m_buffer += m_socket.readAll();
            if (parseHttpResponse(m_buffer, true, r) > 0 && m_check(r)) ++ok;
            else {
                ++failed;
                lastError = QStringLiteral("connection closed: ") + m_socket.errorString();
            }
            m_inFlight = false;
        }
        QTimer::singleShot(0, &m_socket, [this] {
            if (!m_stopped && !m_finished) connectSocket();
        });
    }

    QTcpSocket m_socket;
    quint16 m_port;
    bool m_keepAlive;
    Next m_next;
    Check m_check;
    QByteArray m_buffer;
    bool m_inFlight = false;
    bool m_stopped = true;
    std::atomic<bool> m_finished{false};
};

// CPU time (user + system) consumed so far by process `pid` (or by its thread
// `tid`), in seconds; -1 if unknown.
double cpuSeconds(qint64 pid, qint64 tid = 0)
{
    if (pid <= 0) return -1;
    const QByteArray stat = readAll(tid ? QStringLiteral("/proc/%1/task/%2/stat").arg(pid).arg(tid)
                                        : QStringLiteral("/proc/%1/stat").arg(pid));
    const qsizetype paren = stat.lastIndexOf(')');
    if (paren < 0) return -1;
    // Fields after "(comm)": state is field 3; utime/stime are fields 14/15.
    const QList<QByteArray> f = stat.mid(paren + 2).split(' ');
    if (f.size() < 13) return -1;
    const double tick = double(::sysconf(_SC_CLK_TCK));
    return (f[11].toLongLong() + f[12].toLongLong()) / tick;
}

// Seconds all CPUs spent idle (idle + iowait in /proc/stat) so far; -1 if unknown.
double idleSeconds()
{
    const QByteArray stat = readAll(QStringLiteral("/proc/stat"));
    const QList<QByteArray> f = stat.left(stat.indexOf('\n')).simplified().split(' ');
    if (f.size() < 6 || f[0] != "cpu") return -1;
    return (f[4].toLongLong() + f[5].toLongLong()) / double(::sysconf(_SC_CLK_TCK));
}

// The registry measured by runLoad() (its CPU time makes the figures less
// dependent on whatever else runs on the machine).
qint64 g_registryPid = 0;

struct Rate
{
    qint64 ok = 0;
    qint64 failed = 0;
    double seconds = 0;
    double registryCpu = -1; // registry CPU seconds during the run
    double eventLoopCpu = -1; // of which its main (event-loop) thread
    double idle = -1;         // seconds all CPUs of the machine were idle
    QString error;
    double perSecond() const { return seconds > 0 ? ok / seconds : 0; }
    double perCpuSecond() const { return registryCpu > 0 ? ok / registryCpu : 0; }
};

// Client threads (--threads): the load generator must not be the bottleneck.
int g_threads = 2;

// Runs the clients, spread over g_threads threads, until `seconds` passed or
// all of them ran out of work.
Rate runLoad(std::vector<std::unique_ptr<LoadClient>> &clients, double seconds)
{
    const int nThreads = qBound(1, g_threads, int(clients.size()));
    std::vector<std::unique_ptr<QThread>> threads;
    for (int t = 0; t < nThreads; ++t) {
        threads.push_back(std::make_unique<QThread>());
        threads.back()->start();
    }
    for (size_t i = 0; i < clients.size(); ++i) clients[i]->socket().moveToThread(threads[i % size_t(nThreads)].get());

    const double cpuBefore = cpuSeconds(g_registryPid);
    const double mainBefore = cpuSeconds(g_registryPid, g_registryPid);
    const double idleBefore = idleSeconds();
    QElapsedTimer timer;
    timer.start();
    for (auto &c : clients)
        QMetaObject::invokeMethod(&c->socket(), [c = c.get()] { c->start(); }, Qt::QueuedConnection);
    QDeadlineTimer deadline(qint64(seconds * 1000));
    while (!deadline.hasExpired()) {
        bool all = true;
        for (auto &c : clients)
            if (!c->idle()) all = false;
        if (all) break;
        QThread::msleep(10);
    }
    Rate r;
    r.seconds = timer.nsecsElapsed() / 1e9;
    const double cpuAfter = cpuSeconds(g_registryPid);
    if (cpuBefore >= 0 && cpuAfter >= 0) r.registryCpu = cpuAfter - cpuBefore;
    const double mainAfter = cpuSeconds(g_registryPid, g_registryPid);
    if (mainBefore >= 0 && mainAfter >= 0) r.eventLoopCpu = mainAfter - mainBefore;
    const double idleAfter = idleSeconds();
    if (idleBefore >= 0 && idleAfter >= 0) r.idle = idleAfter - idleBefore;
    QThread *home = QThread::currentThread();
    for (auto &c : clients)
        QMetaObject::invokeMethod(&c->socket(), [c = c.get(), home] {
            c->stop();
            c->socket().moveToThread(home);
        }, Qt::BlockingQueuedConnection);
    for (auto &t : threads) {
        t->quit();
        t->wait();
    }
    for (auto &c : clients) {
        r.ok += c->ok;
        r.failed += c->failed;
        if (!c->lastError.isEmpty()) r.error = c->lastError;
    }
    return r;
}

QString fmtRate(const Rate &r, const char *unit = "req/s")
{
    QString s = QStringLiteral("%1 %2").arg(r.perSecond(), 0, 'f', 0).arg(QLatin1String(unit));
    if (r.registryCpu > 0)
        s += QStringLiteral(" [%1/registry-CPU-s, %2% CPU]")
                 .arg(r.perCpuSecond(), 0, 'f', 0)
                 .arg(100 * r.registryCpu / r.seconds, 0, 'f', 0);
    if (r.failed) s += QStringLiteral("  (%1 failed: %2)").arg(r.failed).arg(r.error.left(80));
    return s;
}

void row(const QString &name, const QString &value, const QString &target = {})
{
    out() << QStringLiteral("%1 %2 %3").arg(name, -46).arg(value, -62).arg(target) << Qt::endl;
}

class Bench final
{
public:
    int clients = 16;
    double duration = 5;
    int certificates = 10000;
    QString registryBin;
    bool keep = false; // keep the temporary directory (DBs) for profiling
    quint16 connectPort = 0;
    qint64 connectPid = 0;
    bool issueOnly = false; // --issue-only: only the requestCertificate figures on a fresh DB
    int issueCount = 0;     // --issue-count: certificates issued on the fresh DB (0: max(4 x clients, 100))
    int caBits = 0;         // --ca-bits: a new CA of that size instead of the vector CA (RSA-2048)

    int run()
    {
        QTemporaryDir tmp;
        if (keep) {
            tmp.setAutoRemove(false);
            out() << "keeping " << tmp.path() << Qt::endl;
        }
        const QString dir = tmp.filePath(QStringLiteral("registry"));
        QDir().mkpath(dir);
        if (!installCa(dir)) {
            qCritical("cannot install the CA in %s (vector CA from %s, or --ca-bits %d)", qPrintable(dir),
                      qPrintable(vectorsDir()), caBits);
            return 1;
        }
        m_ca = *crypto::Certificate::fromPem(readAll(dir + QStringLiteral("/ca.crt")));
        m_caKey = *crypto::RsaKey::fromPem(readAll(dir + QStringLiteral("/ca.key")));
        RegistryProcess registry;
        qint64 pid = connectPid;
        if (connectPort) {
            m_port = connectPort;
            // Its own CA verifies the hello answers; the vector key only times in-process signing.
            const auto ca = crypto::Certificate::fromPem(httpGet(m_port, "/getCa").body);
            if (!ca) {
                qCritical("no CA from 127.0.0.1:%u/getCa", unsigned(m_port));
                return 1;
            }
            m_ca = *ca;
        } else {
            QString error;
            RegistryProcess::Config config = RegistryProcess::config(dir);
            config.verbose = 1;
            config.binary = registryBin;
            if (!registry.start(config, &error)) {
                qCritical("%s", qPrintable(error));
                return 1;
            }
            m_port = registry.port();
            pid = registry.pid();
        }
        g_registryPid = pid;
        out() << "re6st-registry bench: " << (connectPort ? QStringLiteral("existing registry") : registryBin)
              << ", port " << m_port << ", " << clients << " concurrent clients, " << duration << " s per run, "
              << g_threads << " client threads, " << QThread::idealThreadCount() << " CPUs" << Qt::endl;
        const ProcMemory startMem = pid ? procMemory(pid) : ProcMemory{};

        const auto nodeKey = crypto::RsaKey::generate(m_ca.publicKey().bits());
        if (!nodeKey) return 1;
        m_nodeKey = *nodeKey;
        m_csr = csrPem(m_nodeKey);

        row(QStringLiteral("metric"), QStringLiteral("value"), QStringLiteral("target"));
        row(QString(46, QLatin1Char('-')), QString(62, QLatin1Char('-')), QString(13, QLatin1Char('-')));

        // getCa
        for (bool keepAlive : {true, false}) {
            if (issueOnly) break;
            std::vector<std::unique_ptr<LoadClient>> cs;
            const QByteArray req = requestBytes("GET", "/getCa", {}, keepAlive);
            for (int i = 0; i < clients; ++i)
                cs.push_back(std::make_unique<LoadClient>(m_port, keepAlive, [req] { return req; },
                                                          [](const HttpReply &r) { return r.status == 200; }));
            const Rate r = runLoad(cs, duration);
            row(keepAlive ? QStringLiteral("getCa, keep-alive") : QStringLiteral("getCa, connection per request"), fmtRate(r),
                keepAlive ? QStringLiteral(">= 5000 req/s") : QString());
        }

        // Enroll one prefix per client, then authenticated getNetworkConfig.
        QList<QByteArray> prefixes;
        for (int i = 0; i < clients; ++i) {
            const QByteArray token = "bench" + QByteArray::number(i);
            const HttpReply t = httpGet(m_port, target("addToken", {{"email", token + "@example.com"}, {"token", token}}));
            const HttpReply c = httpGet(m_port, requestCertificateTarget(token, m_csr));
            const auto cert = crypto::Certificate::fromPem(c.body);
            if (t.status != 204 || !cert) {
                qCritical("enrollment failed: addToken %s, requestCertificate %s", qPrintable(t.describe()), qPrintable(c.describe()));
                return 1;
            }
            prefixes << addressing::bitsFromCn(cert->commonName()).value_or(QByteArray());
        }
        for (bool keepAlive : {true, false}) {
            if (issueOnly) break;
            std::vector<std::unique_ptr<RawSession>> sessions;
            std::vector<std::unique_ptr<LoadClient>> cs;
            for (int i = 0; i < clients; ++i) {
                sessions.push_back(std::make_unique<RawSession>(m_port, prefixes[i], m_nodeKey, m_ca.publicKey()));
                RawSession *s = sessions.back().get();
                QString error;
                s->hello(&error);
                if (!error.isEmpty()) {
                    qCritical("%s", qPrintable(error));
                    return 1;
                }
                cs.push_back(std::make_unique<LoadClient>(
                    m_port, keepAlive,
                    [s, keepAlive] {
                        QByteArray mac;
                        const QByteArray t = s->signedTarget("getNetworkConfig", {}, &mac);
                        return requestBytes("GET", t, {{"Re6stHMAC", mac}}, keepAlive);
                    },
                    [s](const HttpReply &r) {
                        return r.status == 200 && s->ratchet().verifyResponse(r.body, r.header("re6sthmac"));
                    }));
            }
            const Rate r = runLoad(cs, duration);
            row(keepAlive ? QStringLiteral("getNetworkConfig (HMAC), keep-alive")
                          : QStringLiteral("getNetworkConfig (HMAC), connection per req."),
                fmtRate(r), keepAlive ? QStringLiteral(">= 2000 req/s") : QString());
        }

        // In-process, one thread, the registry's own calls for one certificate
        // (RegistryIssuance.cpp): what requestCertificate costs besides HTTP and SQLite.
        const InProcessCosts costs = inProcessCosts(duration / 2);

        // requestCertificate on the small DB, against in-process signing.
        const Rate issued = issueLoad(toIssueSmall());
        row(QStringLiteral("requestCertificate, fresh DB (%1 issued)").arg(toIssueSmall()), fmtRate(issued, "certs/s"));
        const int bits = m_caKey.bits();
        row(QStringLiteral("  in-process CertificateSigner RSA-%1").arg(bits), QStringLiteral("%1 certs/s").arg(1e6 / costs.issueUs, 0, 'f', 0));
        row(QStringLiteral("  in-process RSA-%1 SHA-512 sign").arg(bits), QStringLiteral("%1 sig/s").arg(1e6 / costs.signUs, 0, 'f', 0));
        row(QStringLiteral("  in-process CPU per certificate (1 thread)"),
            QStringLiteral("CSR read+check %1 us, issue %2 us (RSA alone %3 us), PEM %4 us")
                .arg(costs.csrUs, 0, 'f', 0).arg(costs.issueUs, 0, 'f', 0).arg(costs.signUs, 0, 'f', 0).arg(costs.pemUs, 0, 'f', 0));
        if (issued.perCpuSecond() > 0 && costs.signUs > 0 && costs.issueUs > 0) {
            const double registryUs = 1e6 / issued.perCpuSecond();
            row(QStringLiteral("  registry CPU per certificate"),
                QStringLiteral("%1 us: RSA signature %2 %, other crypto %3 %, rest (HTTP, SQLite, I/O) %4 %")
                    .arg(registryUs, 0, 'f', 0)
                    .arg(100 * costs.signUs / registryUs, 0, 'f', 0)
                    .arg(100 * (costs.csrUs + costs.issueUs - costs.signUs + costs.pemUs) / registryUs, 0, 'f', 0)
                    .arg(100 * (registryUs - costs.csrUs - costs.issueUs - costs.pemUs) / registryUs, 0, 'f', 0));
        }
        if (issued.ok > 0 && issued.eventLoopCpu >= 0 && issued.registryCpu > 0)
            row(QStringLiteral("  of which per thread"),
                QStringLiteral("event loop (HTTP, SQLite) %1 us, signing workers %2 us")
                    .arg(1e6 * issued.eventLoopCpu / issued.ok, 0, 'f', 0)
                    .arg(1e6 * (issued.registryCpu - issued.eventLoopCpu) / issued.ok, 0, 'f', 0));
        if (issued.idle >= 0 && issued.seconds > 0)
            row(QStringLiteral("  machine idle while issuing"),
                QStringLiteral("%1 % of %2 CPUs").arg(100 * issued.idle / (issued.seconds * QThread::idealThreadCount()), 0, 'f', 0)
                    .arg(QThread::idealThreadCount()));
        if (pid) row(QStringLiteral("registry RSS after startup, empty DB"), QStringLiteral("%1 MB").arg(startMem.hwmKb / 1024.0, 0, 'f', 1));
        if (pid) row(QStringLiteral("registry peak RSS so far (VmHWM)"), QStringLiteral("%1 MB").arg(procMemory(pid).hwmKb / 1024.0, 0, 'f', 1));
        if (connectPort || certificates == 0 || issueOnly) return 0;
        registry.stop();

        // A DB with `certificates` real issued certificates (core/crypto), then a
        // registry started on it: startup, memory, authenticated and enrollment load.
        const QString bigDir = tmp.filePath(QStringLiteral("big"));
        QDir().mkpath(bigDir);
        installCa(bigDir);
        RegistryProcess::Config bigConfig = RegistryProcess::config(bigDir);
        bigConfig.verbose = 1;
        bigConfig.binary = registryBin;
        QString error;
        if (!registry.start(bigConfig, &error)) { // creates the tables (§12)
            qCritical("%s", qPrintable(error));
            return 1;
        }
        registry.stop();
        QElapsedTimer fillTimer;
        fillTimer.start();
        if (!fillDb(registry.db(), &error)) {
            qCritical("filling the DB failed: %s", qPrintable(error));
            return 1;
        }
        row(QStringLiteral("DB filled in-process"), QStringLiteral("%1 certs in %2 s").arg(certificates).arg(fillTimer.elapsed() / 1000.0, 0, 'f', 1));
        QElapsedTimer startTimer;
        startTimer.start();
        if (!registry.start(bigConfig, &error)) {
            qCritical("%s", qPrintable(error));
            return 1;
        }
        m_port = registry.port();
        pid = registry.pid();
        g_registryPid = pid;
        row(QStringLiteral("registry start to first getCa, %1 certs").arg(certificates),
            QStringLiteral("%1 s").arg(startTimer.elapsed() / 1000.0, 0, 'f', 2));
        const ProcMemory bigStart = procMemory(pid);
        {
            std::vector<std::unique_ptr<RawSession>> sessions;
            std::vector<std::unique_ptr<LoadClient>> cs;
            for (int i = 0; i < clients; ++i) {
                // Prefix i/16 was issued with m_nodeKey by fillDb().
                QByteArray bits = QByteArray::number(i, 2);
                bits = QByteArray(16 - bits.size(), '0') + bits;
                sessions.push_back(std::make_unique<RawSession>(m_port, bits, m_nodeKey, m_ca.publicKey()));
                RawSession *s = sessions.back().get();
                QString helloError;
                s->hello(&helloError);
                if (!helloError.isEmpty()) {
                    qCritical("%s", qPrintable(helloError));
                    return 1;
                }
                cs.push_back(std::make_unique<LoadClient>(
                    m_port, true,
                    [s] {
                        QByteArray mac;
                        const QByteArray t = s->signedTarget("getNetworkConfig", {}, &mac);
                        return requestBytes("GET", t, {{"Re6stHMAC", mac}}, true);
                    },
                    [s](const HttpReply &r) {
                        return r.status == 200 && s->ratchet().verifyResponse(r.body, r.header("re6sthmac"));
                    }));
            }
            const Rate r = runLoad(cs, duration);
            row(QStringLiteral("getNetworkConfig (HMAC), %1 certs in DB").arg(certificates), fmtRate(r),
                QStringLiteral(">= 2000 req/s"));
        }
        row(QStringLiteral("requestCertificate, %1 certs in DB (%2 issued)").arg(certificates).arg(toIssueSmall()),
            fmtRate(issueLoad(toIssueSmall(), qMax(duration, 20.0)), "certs/s"));
        const ProcMemory m = procMemory(pid);
        row(QStringLiteral("registry RSS after startup, %1 certs").arg(certificates),
            QStringLiteral("%1 MB").arg(bigStart.hwmKb / 1024.0, 0, 'f', 1));
        row(QStringLiteral("registry peak RSS, %1 certs (VmHWM)").arg(certificates),
            QStringLiteral("%1 MB (VmRSS now %2 MB)").arg(m.hwmKb / 1024.0, 0, 'f', 1).arg(m.rssKb / 1024.0, 0, 'f', 1),
            QStringLiteral("< 40 MB"));
        row(QStringLiteral("registry.db size"), QStringLiteral("%1 MB").arg(QFileInfo(registry.db()).size() / 1048576.0, 0, 'f', 1));
        // One client pipelining getCa without reading the answers: held back by
        // TCP (registry/HttpFront.cpp, bounded buffers), so the peak stays.
        const qint64 flooded = pipelineUnread(m_port, duration);
        const ProcMemory afterFlood = procMemory(pid);
        row(QStringLiteral("one client pipelining getCa unread, %1 s").arg(duration),
            QStringLiteral("%1 MB sent; registry VmHWM %2 MB, VmRSS %3 MB")
                .arg(flooded / 1048576.0, 0, 'f', 1)
                .arg(afterFlood.hwmKb / 1024.0, 0, 'f', 1)
                .arg(afterFlood.rssKb / 1024.0, 0, 'f', 1));
        registry.stop();
        return 0;
    }

private:
    // Sends pipelined getCa requests for `seconds` on one connection and reads
    // nothing; the bytes the kernel took.
    static qint64 pipelineUnread(quint16 port, double seconds)
    {
        const int fd = test::rawConnect(port);
        if (fd < 0) return -1;
        QByteArray chunk;
        while (chunk.size() < 32 * 1024) chunk += "GET /getCa HTTP/1.1\r\nHost: bench\r\n\r\n";
        qint64 sent = 0;
        QDeadlineTimer deadline(qint64(seconds * 1000));
        while (!deadline.hasExpired()) {
            const ssize_t n = ::send(fd, chunk.constData(), size_t(chunk.size()), MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n > 0) {
                sent += n;
                continue;
            }
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) break;
            pollfd p{fd, POLLOUT, 0};
            ::poll(&p, 1, 50);
        }
        ::close(fd);
        return sent;
    }

    int toIssueSmall() const { return issueCount > 0 ? issueCount : qMax(clients * 4, 100); }

    struct InProcessCosts
    {
        double csrUs = 0, issueUs = 0, signUs = 0, pemUs = 0; // CPU microseconds each
    };

    // CPU time (this thread) per call of each step, each run for about `seconds`.
    InProcessCosts inProcessCosts(double seconds) const
    {
        const auto timeEach = [&](const std::function<bool()> &step) {
            return std::max(0.0, bench::cpuMicrosPerCall(seconds / 4, step)); // 0: failed
        };
        InProcessCosts c;
        const auto csr = crypto::CertificateRequest::fromPem(m_csr);
        if (!csr) return c;
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        const crypto::Subject subject{{"serialNumber", QStringLiteral("1")}, {"CN", QStringLiteral("1/16")}};
        quint64 serial = 0;
        QByteArray der;
        c.csrUs = timeEach([&] {
            const auto r = crypto::CertificateRequest::fromPem(m_csr);
            return r && r->verifySignature();
        });
        // The registry's signer (one per registry, built at startup).
        const crypto::CertificateSigner signer(m_ca, m_caKey);
        c.issueUs = timeEach([&] {
            der = signer.issueDer(++serial, subject, csr->keyInfoDer(), now, now + 365 * 86400);
            return !der.isEmpty();
        });
        const QByteArray tbsSized = crypto::randomBytes(700); // a node certificate's TBS is about that long
        c.signUs = timeEach([&] { return m_caKey.signSha512(tbsSized).has_value(); });
        c.pemUs = der.isEmpty() ? 0 : timeEach([&] { return !crypto::CertificateSigner::pemOf(der).isEmpty(); });
        return c;
    }

    // The vector CA (RSA-2048), or with --ca-bits a CA of that size made once
    // for the run (same network serial, §2.1): with 1024 bits the signature
    // costs about a third, which shows how much issuance depends on it.
    bool installCa(const QString &dir)
    {
        if (caBits == 0) return installVectorCa(dir);
        if (m_madeCa.isEmpty()) {
            const auto key = crypto::RsaKey::generate(caBits);
            if (!key) return false;
            const qint64 now = QDateTime::currentSecsSinceEpoch();
            const auto ca = crypto::Certificate::selfSignedCa(*key, "120010db80042", {{"CN", QStringLiteral("bench CA")}},
                                                              now - 3600, now + 365 * 86400);
            if (!ca) return false;
            m_madeCa = ca->toPem();
            m_madeKey = key->privateKeyPem();
        }
        auto write = [&dir](const char *name, const QByteArray &pem) {
            QFile f(dir + QLatin1Char('/') + QLatin1String(name));
            return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(pem) == pem.size();
        };
        return write("ca.crt", m_madeCa) && write("ca.key", m_madeKey);
    }

    // Up to `count` requestCertificate calls within maxSeconds (tokens from
    // addToken first, not timed).
    Rate issueLoad(int count, double maxSeconds = 1800)
    {
        const QByteArray tag = "issue" + QByteArray::number(++m_issueRound) + "x";
        for (int i = 0; i < count; ++i) {
            const QByteArray token = tag + QByteArray::number(i);
            httpGet(m_port, target("addToken", {{"email", token + "@example.com"}, {"token", token}}));
        }
        std::atomic<int> next{0};
        std::vector<std::unique_ptr<LoadClient>> cs;
        for (int i = 0; i < clients; ++i)
            cs.push_back(std::make_unique<LoadClient>(
                m_port, true,
                [&next, count, tag, this] {
                    const int i = next++;
                    if (i >= count) return QByteArray();
                    return requestBytes("GET", requestCertificateTarget(tag + QByteArray::number(i), m_csr), {}, true);
                },
                [](const HttpReply &r) { return r.status == 200; }));
        return runLoad(cs, maxSeconds);
    }

    // registry-protocol.md §7.3/§12: prefixes 0/16 … (N-1)/16 allocated (real
    // certificates signed by the CA, all with m_nodeKey), the rest of the
    // network split into free buddy rows; config prefix/serial set.
    bool fillDb(const QString &path, QString *error)
    {
        const QString name = QStringLiteral("bench-fill");
        bool ok = false;
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
            db.setDatabaseName(path);
            if (!db.open()) {
                *error = db.lastError().text();
            } else {
                ok = fillOpenDb(db, error);
                db.close();
            }
        }
        QSqlDatabase::removeDatabase(name);
        return ok;
    }

    bool fillOpenDb(QSqlDatabase &db, QString *error)
    {
        auto exec = [&](const QString &sql, const QVariantList &bind = {}) {
            QSqlQuery q(db);
            if (!q.prepare(sql)) {
                *error = q.lastError().text();
                return false;
            }
            for (const QVariant &v : bind) q.addBindValue(v);
            if (!q.exec()) {
                *error = sql + QStringLiteral(": ") + q.lastError().text();
                return false;
            }
            return true;
        };
        const int n = qMin(certificates, 65536);
        auto bits16 = [](int v) {
            QByteArray b = QByteArray::number(v, 2);
            return QString::fromLatin1(QByteArray(16 - b.size(), '0') + b);
        };
        if (!exec(QStringLiteral("BEGIN")) || !exec(QStringLiteral("DELETE FROM cert"))) return false;
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        for (int i = 0; i < n; ++i) {
            const QString cn = QStringLiteral("%1/16").arg(i);
            const crypto::Subject subject{{"O", QStringLiteral("bench")}, {"serialNumber", QString::number(i)}, {"CN", cn}};
            const auto cert = crypto::Certificate::issue(m_ca, m_caKey, quint64(i + 1), subject, m_nodeKey, now, now + 365 * 86400);
            if (!cert) {
                *error = QStringLiteral("Certificate::issue failed");
                return false;
            }
            if (!exec(QStringLiteral("INSERT INTO cert (prefix, email, cert) VALUES (?, ?, ?)"),
                      {bits16(i), QStringLiteral("fill-%1@example.com").arg(i), QString::fromLatin1(cert->toPem())}))
                return false;
        }
        // Free rows for [n, 65536): largest aligned blocks.
        for (int v = n; v < 65536;) {
            int k = 0;
            while (k < 16 && v % (1 << (k + 1)) == 0 && v + (1 << (k + 1)) <= 65536) ++k;
            const QString prefix = bits16(v).left(16 - k);
            if (!exec(QStringLiteral("INSERT INTO cert (prefix, email, cert) VALUES (?, NULL, NULL)"), {prefix})) return false;
            v += 1 << k;
        }
        if (n == 0 && !exec(QStringLiteral("INSERT INTO cert (prefix, email, cert) VALUES ('', NULL, NULL)"))) return false;
        if (n > 0 && !exec(QStringLiteral("INSERT OR REPLACE INTO config (name, value) VALUES ('prefix', ?)"), {bits16(0)})) return false;
        if (!exec(QStringLiteral("INSERT OR REPLACE INTO config (name, value) VALUES ('serial', ?)"), {qint64(n)})) return false;
        return exec(QStringLiteral("COMMIT"));
    }

    int m_issueRound = 0;
    quint16 m_port = 0;
    QByteArray m_madeCa, m_madeKey; // --ca-bits: PEMs of the CA made for this run
    crypto::Certificate m_ca;
    crypto::RsaKey m_caKey;
    crypto::RsaKey m_nodeKey;
    QByteArray m_csr;
};

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
#ifdef RE6ST_BENCH_VECTORS
    if (qEnvironmentVariableIsEmpty("RE6ST_VECTORS")) qputenv("RE6ST_VECTORS", RE6ST_BENCH_VECTORS);
#endif
#ifdef RE6ST_BENCH_BIN_DIR
    if (qEnvironmentVariableIsEmpty("RE6ST_BIN_DIR")) qputenv("RE6ST_BIN_DIR", RE6ST_BENCH_BIN_DIR);
#endif
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Throughput and memory of re6st-registry over loopback."));
    parser.addHelpOption();
    QCommandLineOption clients(QStringLiteral("clients"), QStringLiteral("Concurrent connections (default 16)."), QStringLiteral("N"), QStringLiteral("16"));
    QCommandLineOption duration(QStringLiteral("duration"), QStringLiteral("Seconds per throughput run (default 5)."), QStringLiteral("S"), QStringLiteral("5"));
    QCommandLineOption certs(QStringLiteral("certs"), QStringLiteral("Certificates issued before measuring memory (default 10000)."), QStringLiteral("N"), QStringLiteral("10000"));
    QCommandLineOption bin(QStringLiteral("registry-bin"), QStringLiteral("re6st-registry to start (default $RE6ST_BIN_DIR/re6st-registry)."), QStringLiteral("PATH"));
    QCommandLineOption port(QStringLiteral("connect"), QStringLiteral("Use a running registry on 127.0.0.1:PORT instead of starting one."), QStringLiteral("PORT"));
    QCommandLineOption pid(QStringLiteral("pid"), QStringLiteral("PID of that registry, for memory figures."), QStringLiteral("PID"));
    QCommandLineOption threads(QStringLiteral("threads"), QStringLiteral("Client threads (default 2)."), QStringLiteral("N"), QStringLiteral("2"));
    QCommandLineOption keep(QStringLiteral("keep"), QStringLiteral("Keep the temporary directory (registry DBs) for profiling."));
    QCommandLineOption issueOnly(QStringLiteral("issue-only"), QStringLiteral("Only the requestCertificate figures on a fresh DB (no getCa/getNetworkConfig runs, no big DB)."));
    QCommandLineOption issueCount(QStringLiteral("issue-count"), QStringLiteral("Certificates requested on the fresh DB (default max(4 x clients, 100))."), QStringLiteral("N"), QStringLiteral("0"));
    QCommandLineOption caBits(QStringLiteral("ca-bits"), QStringLiteral("A new CA of N bits instead of the 2048-bit vector CA (1024: the signature costs about a third; shows how much issuance depends on it)."), QStringLiteral("N"), QStringLiteral("0"));
    parser.addOptions({clients, duration, certs, bin, port, pid, threads, keep, issueOnly, issueCount, caBits});
    parser.process(app);
    Bench b;
    b.clients = qMax(1, parser.value(clients).toInt());
    b.duration = qMax(0.5, parser.value(duration).toDouble());
    b.certificates = qMax(0, parser.value(certs).toInt());
    b.registryBin = parser.isSet(bin) ? parser.value(bin) : registryBinary();
    b.connectPort = quint16(parser.value(port).toUInt());
    b.connectPid = parser.value(pid).toLongLong();
    b.keep = parser.isSet(keep);
    b.issueOnly = parser.isSet(issueOnly);
    b.issueCount = qMax(0, parser.value(issueCount).toInt());
    b.caBits = qMax(0, parser.value(caBits).toInt());
    g_threads = qMax(1, parser.value(threads).toInt());
    return b.run();
}
