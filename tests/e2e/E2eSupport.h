// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Shared fixtures of the end-to-end tests and of bench/registry_bench.cpp:
// real re6st-registry / re6st-conf / SMTP sink processes, a raw HTTP client that
// sends request targets byte for byte (registry-protocol.md §4), the hello/HMAC
// ratchet (§5) and read access to the registry SQLite DB (§12).
// Header-only: every tst_*.cpp is its own executable.
#include "core/FormCodec.h"
#include "core/HmacRatchet.h"
#include "core/crypto/Certificate.h"
#include "core/crypto/CertificateRequest.h"
#include "core/crypto/RsaKey.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QString>
#include <QStringList>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>
#include <QUuid>
#include <QVariant>

#include <csignal>
#include <functional>
#include <memory>
#include <optional>
#include <sys/resource.h>
#include <sys/types.h>
#include <vector>

namespace re6st::e2e {

using Headers = QList<QPair<QByteArray, QByteArray>>;

inline QString envDir(const char *name, const QString &fallback)
{
    const QString v = qEnvironmentVariable(name);
    return v.isEmpty() ? fallback : v;
}
inline QString binDir() { return envDir("RE6ST_BIN_DIR", QStringLiteral("bin")); }
inline QString vectorsDir() { return envDir("RE6ST_VECTORS", QStringLiteral("/work/shared/vectors")); }
inline QString sourceDir() { return envDir("RE6ST_SOURCE_DIR", QStringLiteral("/work/main")); }
inline QString registryBinary() { return binDir() + QStringLiteral("/re6st-registry"); }
inline QString confBinary() { return binDir() + QStringLiteral("/re6st-conf"); }

inline QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

inline bool writeAll(const QString &path, const QByteArray &data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
}

// Waits for `condition` while processing events; false on timeout. No fixed sleeps.
inline bool waitFor(const std::function<bool()> &condition, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!condition()) {
        if (deadline.hasExpired()) return condition();
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(5);
    }
    return true;
}

// An ephemeral TCP port free on 127.0.0.1 right now (the caller retries if it raced away).
inline quint16 freePort()
{
    QTcpServer s;
    if (!s.listen(QHostAddress::LocalHost, 0)) return 0;
    const quint16 port = s.serverPort();
    s.close();
    return port;
}

// ---------------------------------------------------------------------------
// HTTP

struct HttpReply
{
    int status = 0;         // 0: no complete answer
    QByteArray statusLine;
    Headers headers;        // names lowercased
    QByteArray body;
    QString error;          // transport problem, when status == 0
    QByteArray header(const QByteArray &lowercaseName) const
    {
        for (const auto &h : headers)
            if (h.first == lowercaseName) return h.second;
        return {};
    }
    bool hasHeader(const QByteArray &lowercaseName) const
    {
        for (const auto &h : headers)
            if (h.first == lowercaseName) return true;
        return false;
    }
    QString describe() const
    {
        if (status == 0) return QStringLiteral("no answer (%1)").arg(error);
        return QStringLiteral("%1 [%2]").arg(QString::fromLatin1(statusLine),
                                             QString::fromUtf8(body.left(200)).simplified());
    }
};

// Parses one response from the start of `buffer`. `closed`: the peer closed the
// connection (ends a body without Content-Length). Returns the number of bytes
// consumed, 0 if incomplete; -1 if the head is malformed.
inline qsizetype parseHttpResponse(const QByteArray &buffer, bool closed, HttpReply &out)
{
    const qsizetype headEnd = buffer.indexOf("\r\n\r\n");
    if (headEnd < 0) return closed && !buffer.isEmpty() ? -1 : 0;
    const QList<QByteArray> lines = buffer.left(headEnd).split('\n');
    HttpReply r;
    r.statusLine = lines.value(0).trimmed();
    const QList<QByteArray> parts = r.statusLine.split(' ');
    bool ok = false;
    r.status = parts.value(1).toInt(&ok);
    if (!r.statusLine.startsWith("HTTP/") || !ok) return -1;
    qsizetype contentLength = -1;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0) continue;
        const QByteArray name = line.left(colon).trimmed().toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        r.headers.append({name, value});
        if (name == "content-length") contentLength = value.toLongLong();
    }
    const qsizetype bodyStart = headEnd + 4;
    if (r.status == 204 || r.status == 304 || (r.status >= 100 && r.status < 200)) {
        out = r;
        return bodyStart;
    }
    if (contentLength >= 0) {
        if (buffer.size() - bodyStart < contentLength) return 0;
        r.body = buffer.mid(bodyStart, contentLength);
        out = r;
        return bodyStart + contentLength;
    }
    if (!closed) return 0;
    r.body = buffer.mid(bodyStart);
    out = r;
    return buffer.size();
}

inline QByteArray requestBytes(const QByteArray &method, const QByteArray &target, const Headers &headers,
                               bool keepAlive = false)
{
    QByteArray req = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: re6st-e2e\r\n";
    for (const auto &h : headers) req += h.first + ": " + h.second + "\r\n";
    if (!keepAlive) req += "Connection: close\r\n";
    return req + "\r\n";
}

// Blocking single request on its own connection; `target` goes on the wire as is.
inline HttpReply httpRaw(quint16 port, const QByteArray &rawRequest, int timeoutMs = 30000,
                         const QHostAddress &host = QHostAddress::LocalHost)
{
    HttpReply r;
    QTcpSocket s;
    s.connectToHost(host, port);
    if (!s.waitForConnected(timeoutMs)) {
        r.error = s.errorString();
        return r;
    }
    s.write(rawRequest);
    QByteArray buffer;
    QDeadlineTimer deadline(timeoutMs);
    while (true) {
        if (s.bytesAvailable() == 0) {
            const bool more = s.state() == QAbstractSocket::ConnectedState
                              && s.waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime())));
            if (!more) {
                buffer += s.readAll();
                const qsizetype n = parseHttpResponse(buffer, true, r);
                if (n <= 0) {
                    r = HttpReply();
                    r.error = deadline.hasExpired() ? QStringLiteral("timeout")
                                                    : QStringLiteral("connection closed: ") + s.errorString();
                }
                return r;
            }
        }
        buffer += s.readAll();
        const qsizetype n = parseHttpResponse(buffer, false, r);
        if (n > 0) return r;
        if (n < 0) {
            r = HttpReply();
            r.error = QStringLiteral("malformed response");
            return r;
        }
    }
}

inline HttpReply httpGet(quint16 port, const QByteArray &target, const Headers &headers = {},
                         int timeoutMs = 30000)
{
    return httpRaw(port, requestBytes("GET", target, headers), timeoutMs);
}

// "/method?name=value&..." with quote_plus encoding (§4.4).
inline QByteArray target(const QByteArray &method, const formcodec::Params &params = {})
{
    QByteArray t = '/' + method;
    if (!params.isEmpty()) t += '?' + formcodec::encode(params);
    return t;
}

// Many requests in parallel on this thread, one connection each (or keep-alive
// sequences). Completion is tracked per request; run() returns when all ended
// or the timeout passed.
class ParallelHttp final
{
public:
    struct Request
    {
        QByteArray raw;
        HttpReply reply;
        bool done = false;
    };
    explicit ParallelHttp(quint16 port) : m_port(port) {}
    ~ParallelHttp() { abortAll(); }
    Q_DISABLE_COPY_MOVE(ParallelHttp)

    int add(const QByteArray &rawRequest)
    {
        m_requests.push_back(std::make_unique<Request>());
        m_requests.back()->raw = rawRequest;
        return int(m_requests.size() - 1);
    }
    Request &at(int i) { return *m_requests[size_t(i)]; }
    int size() const { return int(m_requests.size()); }
    int completed() const { return m_completed; }
    // Called right after request i ended (answer parsed or connection failed).
    std::function<void(int)> onFinished;

    // Starts every request at once, or at most `window` at a time (each answer
    // then starts the next request).
    void startAll(int window = 0)
    {
        m_window = window;
        const int n = window > 0 ? qMin(window, size()) : size();
        while (m_started < n) startOne(m_started++);
    }
    // Runs the event loop until every request ended, `stop` returns true, or the timeout.
    bool run(int timeoutMs, const std::function<bool()> &stop = {})
    {
        return waitFor([&] { return m_completed == size() || (stop && stop()); }, timeoutMs);
    }
    void abortAll()
    {
        for (auto &s : m_sockets) {
            if (!s) continue;
            QObject::disconnect(s.get(), nullptr, nullptr, nullptr);
            s->abort();
        }
        m_sockets.clear();
    }

private:
    void finish(int i, QTcpSocket *socket)
    {
        Request &r = at(i);
        if (r.done) return;
        r.done = true;
        ++m_completed;
        QObject::disconnect(socket, nullptr, nullptr, nullptr);
        socket->abort();
        if (onFinished) onFinished(i);
        if (m_window > 0 && m_started < size()) startOne(m_started++);
    }
    void startOne(int i)
    {
        auto socket = std::make_unique<QTcpSocket>();
        QTcpSocket *s = socket.get();
        auto buffer = std::make_shared<QByteArray>();
        QObject::connect(s, &QTcpSocket::connected, s, [this, i, s] { s->write(at(i).raw); });
        QObject::connect(s, &QTcpSocket::readyRead, s, [this, i, s, buffer] {
            *buffer += s->readAll();
            HttpReply r;
            const qsizetype n = parseHttpResponse(*buffer, false, r);
            if (n > 0) {
                at(i).reply = r;
                finish(i, s);
            } else if (n < 0) {
                at(i).reply.error = QStringLiteral("malformed response");
                finish(i, s);
            }
        });
        auto onEnd = [this, i, s, buffer] {
            *buffer += s->readAll();
            HttpReply r;
            if (parseHttpResponse(*buffer, true, r) > 0) at(i).reply = r;
            else at(i).reply.error = s->errorString();
            finish(i, s);
        };
        QObject::connect(s, &QTcpSocket::disconnected, s, onEnd);
        QObject::connect(s, &QTcpSocket::errorOccurred, s, onEnd);
        m_sockets.push_back(std::move(socket));
        s->connectToHost(QHostAddress::LocalHost, m_port);
    }

    quint16 m_port;
    std::vector<std::unique_ptr<Request>> m_requests;
    std::vector<std::unique_ptr<QTcpSocket>> m_sockets;
    int m_completed = 0;
    int m_started = 0;
    int m_window = 0;
};

// ---------------------------------------------------------------------------
// Processes

// Owns a QProcess; stops it by PID (SIGTERM, then SIGKILL) and reaps it on destruction.
class ProcessGuard final
{
public:
    ProcessGuard() = default;
    ~ProcessGuard() { stop(); }
    Q_DISABLE_COPY_MOVE(ProcessGuard)

    QProcess *process() { return m_process.get(); }
    QProcess *operator->() { return m_process.get(); }
    void reset() { stop(); m_process = std::make_unique<QProcess>(); }
    bool isRunning() const { return m_process && m_process->state() != QProcess::NotRunning; }
    qint64 pid() const { return m_process ? m_process->processId() : 0; }
    void stop(int graceMs = 10000)
    {
        if (!m_process) return;
        if (m_process->state() != QProcess::NotRunning) {
            m_process->terminate(); // SIGTERM to this PID only
            if (!m_process->waitForFinished(graceMs)) {
                m_process->kill();
                m_process->waitForFinished(graceMs);
            }
        }
    }
    // SIGKILL (crash simulation), then reap.
    void killHard()
    {
        if (!m_process || m_process->state() == QProcess::NotRunning) return;
        m_process->kill(); // SIGKILL to this PID only
        m_process->waitForFinished(10000);
    }

private:
    std::unique_ptr<QProcess> m_process = std::make_unique<QProcess>();
};

// The SMTP fixture tests/e2e/smtp_sink.py (real aiosmtpd) on 127.0.0.1.
class SmtpSink final
{
public:
    struct Delivery
    {
        bool tls = false;
        QString login; // "-" without AUTH
        QString from;
        QString to;
        QByteArray message;
    };

    bool start(const QString &dir, bool starttls, const QString &user = {}, const QString &password = {},
               QString *error = nullptr)
    {
        m_dir = dir;
        QDir().mkpath(dir);
        m_guard.reset();
        QStringList args{sourceDir() + QStringLiteral("/tests/e2e/smtp_sink.py"), QStringLiteral("--dir"), dir};
        if (starttls) args << QStringLiteral("--starttls");
        if (!user.isEmpty()) args << QStringLiteral("--user") << user << QStringLiteral("--password") << password;
        m_guard->setProcessChannelMode(QProcess::SeparateChannels);
        m_guard->setStandardErrorFile(dir + QStringLiteral("/sink.err"), QIODevice::Append);
        m_guard->start(QStringLiteral("/usr/bin/python3"), args);
        if (!m_guard->waitForStarted(10000)) {
            if (error) *error = QStringLiteral("cannot start /usr/bin/python3: ") + m_guard->errorString();
            return false;
        }
        QByteArray line;
        QDeadlineTimer deadline(30000);
        while (!line.contains('\n') && !deadline.hasExpired() && m_guard->state() == QProcess::Running) {
            m_guard->waitForReadyRead(200);
            line += m_guard->readAllStandardOutput();
        }
        bool ok = false;
        m_port = quint16(line.trimmed().toUInt(&ok));
        if (!ok || m_port == 0) {
            if (error)
                *error = QStringLiteral("SMTP sink did not report its port: %1 %2")
                             .arg(QString::fromUtf8(line), QString::fromUtf8(readAll(dir + QStringLiteral("/sink.err"))));
            return false;
        }
        return true;
    }
    void stop() { m_guard.stop(); }
    quint16 port() const { return m_port; }
    QString dir() const { return m_dir; }
    qint64 pid() const { return m_guard.pid(); }

    QList<Delivery> deliveries() const
    {
        QList<Delivery> out;
        for (const QByteArray &line : readAll(m_dir + QStringLiteral("/deliveries.log")).split('\n')) {
            if (line.trimmed().isEmpty()) continue;
            Delivery d;
            for (const QByteArray &field : line.split(' ')) {
                const qsizetype eq = field.indexOf('=');
                const QByteArray k = field.left(eq), v = field.mid(eq + 1);
                if (k == "tls") d.tls = v == "1";
                else if (k == "auth") d.login = QString::fromUtf8(v);
                else if (k == "from") d.from = QString::fromUtf8(v);
                else if (k == "to") d.to = QString::fromUtf8(v);
                else if (k == "file") d.message = readAll(m_dir + QLatin1Char('/') + QString::fromUtf8(v));
            }
            out.append(d);
        }
        return out;
    }
    QByteArray authFailures() const { return readAll(m_dir + QStringLiteral("/auth-failures.log")); }

private:
    ProcessGuard m_guard;
    QString m_dir;
    quint16 m_port = 0;
};

// Token from a "[re6stnet] Token Request" mail (§6.2 step 3).
inline QString tokenFromMail(const QByteArray &message)
{
    static const QByteArray marker = "your token to join re6st network is: ";
    const qsizetype at = message.indexOf(marker);
    if (at < 0) return {};
    qsizetype end = at + marker.size();
    while (end < message.size() && message[end] >= 'a' && message[end] <= 'z') ++end;
    return QString::fromLatin1(message.mid(at + marker.size(), end - at - marker.size()));
}

// A re6st-registry process on 127.0.0.1:<ephemeral> (-6 disabled).
class RegistryProcess final
{
public:
    // `dir` holds ca.crt/ca.key; db, log and run dir go there too unless overridden.
    struct Config
    {
        QString dir;
        QString db;      // default <dir>/registry.db
        QStringList extra;
        quint16 port = 0; // 0: pick a free one
        bool useDh = true;
        int verbose = 3;
        QString binary; // default registryBinary()
        int maxFiles = 0; // > 0: the process's RLIMIT_NOFILE (soft and hard)
    };

    bool start(const Config &config, QString *error)
    {
        m_config = config;
        if (m_config.db.isEmpty()) m_config.db = config.dir + QStringLiteral("/registry.db");
        QDir(config.dir).mkpath(QStringLiteral("run"));
        for (int attempt = 0; attempt < 5; ++attempt) {
            m_port = config.port ? config.port : freePort();
            QStringList args{QStringLiteral("--port"), QString::number(m_port),
                             QStringLiteral("-4"), QStringLiteral("127.0.0.1"),
                             QStringLiteral("-6"), QString(),
                             QStringLiteral("--db"), m_config.db,
                             QStringLiteral("--ca"), config.dir + QStringLiteral("/ca.crt"),
                             QStringLiteral("--key"), config.dir + QStringLiteral("/ca.key"),
                             QStringLiteral("--logfile"), config.dir + QStringLiteral("/registry.log"),
                             QStringLiteral("--run"), config.dir + QStringLiteral("/run"),
                             QStringLiteral("-v"), QString::number(config.verbose)};
            if (config.useDh) args << QStringLiteral("--dh") << vectorsDir() + QStringLiteral("/crypto/dh2048.pem");
            args += config.extra;
            m_guard.reset();
            // Output to a file: a full pipe nobody reads would block the registry.
            m_outFile = config.dir + QStringLiteral("/registry.out");
            m_guard->setProcessChannelMode(QProcess::MergedChannels);
            m_guard->setStandardOutputFile(m_outFile, QIODevice::Append);
            const QString binary = config.binary.isEmpty() ? registryBinary() : config.binary;
            if (config.maxFiles > 0)
                m_guard->setChildProcessModifier([n = rlim_t(config.maxFiles)] {
                    const rlimit limit{n, n};
                    ::setrlimit(RLIMIT_NOFILE, &limit);
                });
            m_guard->start(binary, args);
            if (!m_guard->waitForStarted(10000)) {
                if (error) *error = QStringLiteral("cannot start %1: %2").arg(binary, m_guard->errorString());
                return false;
            }
            // Bounded wait until /getCa answers (no fixed sleep).
            bool up = false;
            QDeadlineTimer deadline(30000);
            while (!deadline.hasExpired() && m_guard.isRunning()) {
                const HttpReply r = httpGet(m_port, "/getCa", {}, 2000);
                if (r.status == 200) { up = true; break; }
                m_guard->waitForFinished(50);
            }
            if (up) return true;
            m_guard.stop();
            const QByteArray out = output();
            if (config.port == 0 && out.toLower().contains("in use")) continue; // port raced away
            if (error)
                *error = QStringLiteral("re6st-registry did not answer /getCa (exit %1): %2 | log: %3")
                             .arg(m_guard->exitCode())
                             .arg(QString::fromUtf8(out.right(2000)),
                                  QString::fromUtf8(readAll(config.dir + QStringLiteral("/registry.log")).right(2000)));
            return false;
        }
        if (error) *error = QStringLiteral("no free port for re6st-registry");
        return false;
    }
    static Config config(const QString &dir, const QStringList &extra = {})
    {
        Config c;
        c.dir = dir;
        c.extra = extra;
        return c;
    }
    // Same options, same port and DB.
    bool restart(QString *error)
    {
        Config c = m_config;
        c.port = m_port;
        m_guard.stop();
        return start(c, error);
    }
    void stop() { m_guard.stop(); }
    void killHard() { m_guard.killHard(); }
    // After a signal sent by the test: reaps the process; its exit code, or -1
    // if it is still running after `ms` or did not exit normally.
    int waitForExit(int ms)
    {
        QProcess *p = m_guard.process();
        if (!p || (p->state() != QProcess::NotRunning && !p->waitForFinished(ms))) return -1;
        return p->exitStatus() == QProcess::NormalExit ? p->exitCode() : -1;
    }
    bool isRunning() const { return m_guard.isRunning(); }
    qint64 pid() const { return m_guard.pid(); }
    quint16 port() const { return m_port; }
    QString db() const { return m_config.db; }
    QString url() const { return QStringLiteral("http://127.0.0.1:%1/").arg(m_port); }
    QByteArray output() const { return readAll(m_outFile); }
    QByteArray log() const { return readAll(m_config.dir + QStringLiteral("/registry.log")); }
    bool alive() { return isRunning() && httpGet(m_port, "/getCa", {}, 10000).status == 200; }

private:
    ProcessGuard m_guard;
    Config m_config;
    QString m_outFile;
    quint16 m_port = 0;
};

// Copies the vector CA (2001:db8:42::/48, RSA-2048, emailAddress re6st@example.com) into `dir`.
inline bool installVectorCa(const QString &dir)
{
    const QString src = vectorsDir() + QStringLiteral("/crypto/");
    QFile::remove(dir + QStringLiteral("/ca.crt"));
    QFile::remove(dir + QStringLiteral("/ca.key"));
    return QFile::copy(src + QStringLiteral("ca.crt"), dir + QStringLiteral("/ca.crt"))
           && QFile::copy(src + QStringLiteral("ca.key"), dir + QStringLiteral("/ca.key"));
}

// A finished re6st-conf run.
struct ConfRun
{
    bool finished = false;
    int exitCode = -1;
    QString out;
    QString err;
    QString all() const { return out + err; }
    // The "Your subnet: ..." line (§14.2 step 18), or empty.
    QString subnetLine() const
    {
        for (const QString &line : out.split(QLatin1Char('\n')))
            if (line.startsWith(QLatin1String("Your subnet: "))) return line.trimmed();
        return {};
    }
};

// Runs re6st-conf with `args`; `interact` (optional) is called repeatedly while it
// runs and may write to its stdin; it returns true once it is done interacting.
inline ConfRun runConf(const QStringList &args, const std::function<bool(QProcess &)> &interact = {},
                       int timeoutMs = 180000)
{
    ConfRun r;
    ProcessGuard p;
    p->setProcessChannelMode(QProcess::SeparateChannels);
    p->start(confBinary(), args);
    if (!p->waitForStarted(10000)) {
        r.err = QStringLiteral("cannot start %1: %2").arg(confBinary(), p->errorString());
        return r;
    }
    bool interacting = bool(interact);
    QByteArray out, err;
    QDeadlineTimer deadline(timeoutMs);
    while (p->state() != QProcess::NotRunning && !deadline.hasExpired()) {
        p->waitForFinished(50);
        out += p->readAllStandardOutput();
        err += p->readAllStandardError();
        if (interacting && interact(*p.process())) interacting = false;
    }
    r.finished = p->state() == QProcess::NotRunning;
    if (!r.finished) p.stop();
    out += p->readAllStandardOutput();
    err += p->readAllStandardError();
    r.exitCode = r.finished && p->exitStatus() == QProcess::NormalExit ? p->exitCode() : -1;
    r.out = QString::fromUtf8(out);
    r.err = QString::fromUtf8(err);
    return r;
}

// ---------------------------------------------------------------------------
// Crypto helpers

inline QByteArray csrPem(const crypto::RsaKey &key, const crypto::Subject &subject = {{"O", QStringLiteral("re6st-e2e")}})
{
    const auto req = crypto::CertificateRequest::create(subject, key);
    return req ? req->toPem() : QByteArray();
}

inline QByteArray requestCertificateTarget(const QByteArray &token, const QByteArray &csr)
{
    return target("requestCertificate", {{"token", token}, {"req", csr}, {"location", ""}, {"ip", ""}});
}

// Client side of hello + the HMAC ratchet over raw HTTP (§5.2, §5.3).
class RawSession final
{
public:
    RawSession(quint16 port, QByteArray prefixBits, crypto::RsaKey nodeKey, crypto::RsaKey caPublic)
        : m_port(port), m_prefix(std::move(prefixBits)), m_key(std::move(nodeKey)), m_ca(std::move(caPublic))
    {
    }
    QByteArray prefix() const { return m_prefix; }
    HmacRatchet &ratchet() { return m_ratchet; }
    void setPort(quint16 port) { m_port = port; }

    // hello; on success the ratchet holds the new secret. Returns the HTTP reply.
    HttpReply hello(QString *error = nullptr)
    {
        const HttpReply r = httpGet(m_port, target("hello", {{"client_prefix", m_prefix}, {"protocol", "10"}}));
        if (r.status != 200) {
            if (error) *error = QStringLiteral("hello: ") + r.describe();
            return r;
        }
        const qsizetype n = r.body.size() / 2;
        const QByteArray e = r.body.left(n), g = r.body.mid(n);
        if (r.body.size() % 2 || !m_ca.verifySha512(e, g)) {
            if (error) *error = QStringLiteral("hello: bad CA signature");
            return r;
        }
        const auto secret = m_key.decrypt(e);
        if (!secret || secret->size() != 20) {
            if (error) *error = QStringLiteral("hello: cannot decrypt the secret");
            return r;
        }
        m_ratchet = HmacRatchet(*secret);
        return r;
    }
    // Target "/method?cn=<prefix>[&more]" signed with the current key.
    QByteArray signedTarget(const QByteArray &method, const formcodec::Params &more, QByteArray *mac)
    {
        formcodec::Params p{{"cn", m_prefix}};
        p += more;
        const QByteArray t = target(method, p);
        *mac = m_ratchet.signRequest(t);
        return t;
    }
    // Authenticated GET; `macOk` tells whether the response MAC verified.
    HttpReply call(const QByteArray &method, const formcodec::Params &more = {}, bool *macOk = nullptr)
    {
        QByteArray mac;
        const QByteArray t = signedTarget(method, more, &mac);
        const HttpReply r = httpGet(m_port, t, {{"Re6stHMAC", mac}});
        if (macOk)
            *macOk = (r.status == 200 || r.status == 204)
                     && m_ratchet.verifyResponse(r.body, r.header("re6sthmac"));
        return r;
    }

private:
    quint16 m_port;
    QByteArray m_prefix;
    crypto::RsaKey m_key;
    crypto::RsaKey m_ca;
    HmacRatchet m_ratchet;
};

// ---------------------------------------------------------------------------
// Registry DB (§12), opened on its own connection while the registry may run.

class Db final
{
public:
    explicit Db(const QString &path)
        : m_name(QStringLiteral("e2e-") + QUuid::createUuid().toString(QUuid::WithoutBraces))
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
        m_ok = db.open();
        if (!m_ok) m_error = db.lastError().text();
    }
    ~Db()
    {
        {
            QSqlDatabase db = QSqlDatabase::database(m_name, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_name);
    }
    Q_DISABLE_COPY_MOVE(Db)

    bool isOpen() const { return m_ok; }
    QString error() const { return m_error; }
    // All rows of a query (values in column order); error text in *error.
    QList<QVariantList> rows(const QString &sql, const QVariantList &bind = {}, QString *error = nullptr)
    {
        QList<QVariantList> out;
        QSqlQuery q(QSqlDatabase::database(m_name, false));
        q.setForwardOnly(true);
        if (!q.prepare(sql)) {
            if (error) *error = q.lastError().text();
            return out;
        }
        for (const QVariant &v : bind) q.addBindValue(v);
        if (!q.exec()) {
            if (error) *error = q.lastError().text();
            return out;
        }
        while (q.next()) {
            QVariantList row;
            for (int i = 0; i < q.record().count(); ++i) row.append(q.value(i));
            out.append(row);
        }
        return out;
    }
    QVariant value(const QString &sql, const QVariantList &bind = {})
    {
        const auto r = rows(sql, bind);
        return r.isEmpty() || r.first().isEmpty() ? QVariant() : r.first().first();
    }

private:
    QString m_name;
    bool m_ok = false;
    QString m_error;
};

} // namespace re6st::e2e
