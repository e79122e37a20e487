// SPDX-License-Identifier: GPL-2.0-or-later
// re6st-bench-issuance-floor: what issuing one certificate costs at least on
// this machine, whatever the registry's code (issue 2 §6, "issuance limited
// only by RSA signing"). It times, in CPU microseconds per certificate:
//   - the RSA-2048 SHA-512 signature (CertificateSigner) and the CSR check
//     (its signature is the proof of possession, registry-protocol.md §18.6);
//   - a loopback HTTP keep-alive exchange of requestCertificate's sizes
//     (§6.3: a ~1.1 KB POST in, a ~1.4 KB PEM out), server side only, in two
//     servers that do nothing else: a bare epoll loop (read, write), and a Qt
//     event loop with QTcpSocket (what the registry's architecture mandates);
//   - the durable writes of a batch (§12: the token deleted, the certificate
//     row written, the serial bumped; one WAL commit with fdatasync per batch),
//     through the sqlite3 API and through QtSql with prepared statements.
// Each part runs alone, so the figures add up to a floor: no registry on this
// machine spends less per certificate. bench/run-registry-bench.sh's
// "registry CPU per certificate" is the figure to compare it with.
// Usage: re6st-bench-issuance-floor [--clients N] [--exchanges N] [--certs N] [--batch N]
#include "CpuTime.h"
#include "E2eSupport.h"

#include "core/crypto/CertificateSigner.h"
#include "registry/RegistryStore.h"

#include <QCoreApplication>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sqlite3.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <functional>
#include <thread>
#include <vector>

using namespace re6st;
using re6st::e2e::csrPem;

namespace {

// The sizes of a requestCertificate exchange with a 2048-bit key (§6.3):
// the request line, headers and a form of token + URL-encoded CSR; the
// answer's status line, headers and certificate PEM.
constexpr int kRequestBytes = 1120;
constexpr int kAnswerBytes = 1400;

// Client side of the exchanges: `connections` keep-alive connections spread
// over two threads, each sending a request and reading its whole answer, until
// `total` answers came back. Returns false on any socket error.
bool runClients(quint16 port, int connections, int total)
{
    std::atomic<int> left{total};
    std::atomic<bool> ok{true};
    const QByteArray request(kRequestBytes, 'r');
    auto worker = [&](int count) {
        const int ep = epoll_create1(0);
        std::vector<int> fds;
        std::vector<int> got(count, 0);
        for (int i = 0; i < count; ++i) {
            const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_port = htons(port);
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            const int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            if (::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) ok = false;
            epoll_event e{EPOLLIN, {}};
            e.data.u32 = uint32_t(i);
            epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
            fds.push_back(fd);
            if (::send(fd, request.constData(), request.size(), 0) != request.size()) ok = false;
        }
        char buf[65536];
        epoll_event events[64];
        while (ok && left.load() > 0) {
            const int n = epoll_wait(ep, events, 64, 1000);
            for (int k = 0; k < n; ++k) {
                const int i = int(events[k].data.u32);
                const ssize_t r = ::read(fds[i], buf, sizeof buf);
                if (r <= 0) {
                    ok = false;
                    break;
                }
                got[i] += int(r);
                while (got[i] >= kAnswerBytes) {
                    got[i] -= kAnswerBytes;
                    if (left.fetch_sub(1) > 1 && ::send(fds[i], request.constData(), request.size(), 0) != request.size())
                        ok = false;
                }
            }
        }
        for (int fd : fds) ::close(fd);
        ::close(ep);
    };
    std::thread a(worker, connections / 2), b(worker, connections - connections / 2);
    a.join();
    b.join();
    return ok;
}

// A listening socket on 127.0.0.1, port chosen by the kernel.
int listenLoopback(quint16 *port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || ::listen(fd, 256) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) != 0) {
        ::close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

// Server CPU per exchange: one epoll thread that accepts, reads each request
// (fixed size, nothing parsed) and writes the answer with one write(2).
double bareHttpUs(int connections, int exchanges)
{
    quint16 port = 0;
    const int listener = listenLoopback(&port);
    if (listener < 0) return -1;
    std::atomic<bool> stop{false};
    double cpu = -1;
    std::thread server([&] {
        const double start = bench::threadCpuSeconds();
        const int ep = epoll_create1(0);
        epoll_event e{EPOLLIN, {}};
        e.data.fd = listener;
        epoll_ctl(ep, EPOLL_CTL_ADD, listener, &e);
        const QByteArray answer(kAnswerBytes, 'a');
        std::vector<int> pending(65536, 0);
        char buf[65536];
        epoll_event events[64];
        while (!stop) {
            const int n = epoll_wait(ep, events, 64, 100);
            for (int k = 0; k < n; ++k) {
                const int fd = events[k].data.fd;
                if (fd == listener) {
                    const int c = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
                    if (c < 0 || c >= int(pending.size())) continue;
                    const int one = 1;
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    epoll_event ce{EPOLLIN, {}};
                    ce.data.fd = c;
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
                    continue;
                }
                const ssize_t r = ::read(fd, buf, sizeof buf);
                if (r <= 0) {
                    epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
                    ::close(fd);
                    continue;
                }
                pending[fd] += int(r);
                for (; pending[fd] >= kRequestBytes; pending[fd] -= kRequestBytes)
                    (void)!::write(fd, answer.constData(), answer.size());
            }
        }
        cpu = bench::threadCpuSeconds() - start;
        ::close(ep);
    });
    const bool ok = runClients(port, connections, exchanges);
    stop = true;
    server.join();
    ::close(listener);
    return ok ? 1e6 * cpu / exchanges : -1;
}

// The same server on a Qt event loop: QTcpServer, each QTcpSocket's
// readyRead, the answer sent with send(2) as the registry sends a keep-alive
// answer when nothing is queued (HttpFront).
class QtServer : public QObject
{
public:
    QtServer()
    {
        m_server.listen(QHostAddress::LocalHost);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                s->setSocketOption(QAbstractSocket::LowDelayOption, 1);
                connect(s, &QTcpSocket::readyRead, this, [this, s] {
                    m_buffer[s] += s->readAll();
                    QByteArray &b = m_buffer[s];
                    for (; b.size() >= kRequestBytes; b.remove(0, kRequestBytes))
                        (void)!::send(int(s->socketDescriptor()), m_answer.constData(), m_answer.size(), MSG_NOSIGNAL);
                });
                connect(s, &QTcpSocket::disconnected, this, [this, s] {
                    m_buffer.remove(s);
                    s->deleteLater();
                });
            }
        });
    }
    quint16 port() const { return m_server.serverPort(); }

private:
    QHash<QTcpSocket *, QByteArray> m_buffer;
    const QByteArray m_answer = QByteArray(kAnswerBytes, 'a');
    QTcpServer m_server; // last: its sockets, deleted with it, still reach m_buffer
};

double qtHttpUs(int connections, int exchanges)
{
    QThread thread;
    thread.start();
    auto *context = new QObject; // runs the calls below in the server thread
    context->moveToThread(&thread);
    QtServer *server = nullptr;
    double cpu = 0;
    QMetaObject::invokeMethod(context, [&] {
        server = new QtServer; // its sockets live in the server thread
        cpu = -bench::threadCpuSeconds();
    }, Qt::BlockingQueuedConnection);
    const bool ok = server->port() && runClients(server->port(), connections, exchanges);
    QMetaObject::invokeMethod(context, [&] {
        cpu += bench::threadCpuSeconds();
        delete server;
    }, Qt::BlockingQueuedConnection);
    context->deleteLater();
    thread.quit();
    thread.wait();
    return ok ? 1e6 * cpu / exchanges : -1;
}

// §12's tables, as the registry creates them.
QStringList schema()
{
    QStringList sql;
    for (const char *table : {"token", "cert", "config"})
        sql << registry::RegistryStore::tableSql(QString::fromLatin1(table));
    return sql;
}

QByteArray tokenOf(int i) { return QByteArray::number(1000000000 + i); }
QByteArray prefixOf(int i) { return QByteArray::number(0x10000 + i, 2).mid(1); } // 16 bits

// CPU per certificate (this thread, fdatasync included) of `certs` stored in
// batches of `batch`, one synced WAL commit each, through the sqlite3 API.
double sqliteCommitUs(const QString &path, int certs, int batch, const QByteArray &pem)
{
    sqlite3 *db = nullptr;
    if (sqlite3_open(path.toLocal8Bit().constData(), &db) != SQLITE_OK) return -1;
    auto exec = [db](const char *sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK; };
    bool ok = exec("PRAGMA journal_mode=WAL") && exec("PRAGMA synchronous=FULL");
    for (const QString &sql : schema()) ok = ok && exec(sql.toLatin1().constData());
    sqlite3_stmt *addToken = nullptr, *delToken = nullptr, *setCert = nullptr, *setSerial = nullptr;
    ok = ok && sqlite3_prepare_v2(db, "INSERT INTO token VALUES (?, 'bench@example.org', 16, 0)", -1, &addToken, nullptr) == SQLITE_OK;
    ok = ok && sqlite3_prepare_v2(db, "DELETE FROM token WHERE token = ?", -1, &delToken, nullptr) == SQLITE_OK;
    ok = ok && sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO cert VALUES (?, 'bench@example.org', ?)", -1, &setCert, nullptr) == SQLITE_OK;
    ok = ok && sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO config VALUES ('serial', ?)", -1, &setSerial, nullptr) == SQLITE_OK;
    auto run = [](sqlite3_stmt *s) {
        const bool done = sqlite3_step(s) == SQLITE_DONE;
        sqlite3_reset(s);
        return done;
    };
    ok = ok && exec("BEGIN");
    for (int i = 0; ok && i < certs; ++i) {
        const QByteArray t = tokenOf(i);
        sqlite3_bind_text(addToken, 1, t.constData(), int(t.size()), SQLITE_TRANSIENT);
        ok = run(addToken);
    }
    ok = ok && exec("COMMIT");
    double cpu = -bench::threadCpuSeconds();
    for (int i = 0; ok && i < certs; i += batch) {
        ok = exec("BEGIN IMMEDIATE");
        for (int j = i; ok && j < std::min(certs, i + batch); ++j) {
            const QByteArray t = tokenOf(j), p = prefixOf(j);
            sqlite3_bind_text(delToken, 1, t.constData(), int(t.size()), SQLITE_STATIC);
            sqlite3_bind_text(setCert, 1, p.constData(), int(p.size()), SQLITE_STATIC);
            sqlite3_bind_text(setCert, 2, pem.constData(), int(pem.size()), SQLITE_STATIC);
            ok = run(delToken) && sqlite3_changes(db) == 1 && run(setCert);
        }
        sqlite3_bind_int64(setSerial, 1, i + batch);
        ok = ok && run(setSerial) && exec("COMMIT");
    }
    cpu += bench::threadCpuSeconds();
    for (sqlite3_stmt *s : {addToken, delToken, setCert, setSerial}) sqlite3_finalize(s);
    sqlite3_close(db);
    return ok ? 1e6 * cpu / certs : -1;
}

// The same through QtSql (QSQLITE), prepared queries bound by position.
double qtSqlCommitUs(const QString &path, int certs, int batch, const QByteArray &pem)
{
    bool ok = false;
    double cpu = -1;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("floor"));
        db.setDatabaseName(path);
        QSqlQuery q(db);
        ok = db.open() && q.exec(QStringLiteral("PRAGMA journal_mode=WAL")) &&
             q.exec(QStringLiteral("PRAGMA synchronous=FULL"));
        for (const QString &sql : schema()) ok = ok && q.exec(sql);
        QSqlQuery addToken(db), delToken(db), setCert(db), setSerial(db);
        ok = ok && addToken.prepare(QStringLiteral("INSERT INTO token VALUES (?, 'bench@example.org', 16, 0)")) &&
             delToken.prepare(QStringLiteral("DELETE FROM token WHERE token = ?")) &&
             setCert.prepare(QStringLiteral("INSERT OR REPLACE INTO cert VALUES (?, 'bench@example.org', ?)")) &&
             setSerial.prepare(QStringLiteral("INSERT OR REPLACE INTO config VALUES ('serial', ?)"));
        ok = ok && db.transaction();
        for (int i = 0; ok && i < certs; ++i) {
            addToken.bindValue(0, QString::fromLatin1(tokenOf(i)));
            ok = addToken.exec();
        }
        ok = ok && db.commit();
        const QString pemText = QString::fromLatin1(pem);
        cpu = -bench::threadCpuSeconds();
        for (int i = 0; ok && i < certs; i += batch) {
            ok = q.exec(QStringLiteral("BEGIN IMMEDIATE"));
            for (int j = i; ok && j < std::min(certs, i + batch); ++j) {
                delToken.bindValue(0, QString::fromLatin1(tokenOf(j)));
                setCert.bindValue(0, QString::fromLatin1(prefixOf(j)));
                setCert.bindValue(1, pemText);
                ok = delToken.exec() && delToken.numRowsAffected() == 1 && setCert.exec();
            }
            setSerial.bindValue(0, i + batch);
            ok = ok && setSerial.exec() && q.exec(QStringLiteral("COMMIT"));
        }
        cpu += bench::threadCpuSeconds();
        if (!ok) std::fprintf(stderr, "QtSql: %s\n", qPrintable(db.lastError().text()));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("floor"));
    return ok ? 1e6 * cpu / certs : -1;
}

// CPU per call of `step` in a thread of its own while `load` runs: on this
// VM, system calls on one CPU slow the other CPU's arithmetic down.
double timeEachDuring(const std::function<void()> &load, const std::function<bool()> &step)
{
    std::atomic<bool> stop{false};
    double us = -1;
    std::thread worker([&] {
        const double start = bench::threadCpuSeconds();
        qint64 n = 0;
        while (!stop) {
            if (!step()) return;
            ++n;
        }
        if (n) us = 1e6 * (bench::threadCpuSeconds() - start) / double(n);
    });
    load();
    stop = true;
    worker.join();
    return us;
}

void row(const char *name, double us, const char *note = "")
{
    if (us < 0) std::printf("%-52s %10s  %s\n", name, "failed", note);
    else std::printf("%-52s %8.1f µs  %s\n", name, us, note);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    int clients = 32, exchanges = 200000, certs = 20000, batch = 8;
    const char *usage = "usage: re6st-bench-issuance-floor [--clients N] [--exchanges N] [--certs N] [--batch N]\n";
    if (argc == 2 && (QByteArray(argv[1]) == "--help" || QByteArray(argv[1]) == "-h")) {
        std::printf("%s", usage);
        return 0;
    }
    for (int i = 1; i + 1 < argc; i += 2) {
        const QByteArray o = argv[i];
        const int v = QByteArray(argv[i + 1]).toInt();
        if (v <= 0) {
            std::fprintf(stderr, "re6st-bench-issuance-floor: %s needs a positive number\n", argv[i]);
            return 2;
        }
        if (o == "--clients") clients = v;
        else if (o == "--exchanges") exchanges = v;
        else if (o == "--certs") certs = v;
        else if (o == "--batch") batch = v;
        else {
            std::fprintf(stderr, "%s", usage);
            return 2;
        }
    }
    if (argc % 2 == 0) {
        std::fprintf(stderr, "re6st-bench-issuance-floor: %s needs a value\n", argv[argc - 1]);
        return 2;
    }

    // Crypto: a CA key and a node CSR of 2048 bits, as the vector CA's.
    const auto caKey = crypto::RsaKey::generate(2048);
    const auto nodeKey = crypto::RsaKey::generate(2048);
    if (!caKey || !nodeKey) return 1;
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    const auto ca = crypto::Certificate::selfSignedCa(*caKey, "120010db80042", {{"CN", QStringLiteral("floor CA")}},
                                                      now - 3600, now + 365 * 86400);
    const QByteArray csrPemBytes = csrPem(*nodeKey);
    const auto csr = crypto::CertificateRequest::fromPem(csrPemBytes);
    if (!ca || !csr) return 1;
    const crypto::CertificateSigner signer(*ca, *caKey);
    const crypto::Subject subject{{"serialNumber", QStringLiteral("1")}, {"CN", QStringLiteral("1/16")}};
    quint64 serial = 0;
    QByteArray pem; // the answer's body
    const auto issue = [&] {
        const QByteArray der = signer.issueDer(++serial, subject, csr->keyInfoDer(), now, now + 365 * 86400);
        if (der.isEmpty()) return false;
        pem = crypto::CertificateSigner::pemOf(der);
        return true;
    };
    const double signUs = bench::cpuMicrosPerCall(1.5, issue);
    const double csrUs = bench::cpuMicrosPerCall(1, [&] {
        const auto r = crypto::CertificateRequest::fromPem(csrPemBytes);
        return r && r->verifySignature();
    });

    std::printf("issuance floor, CPU per certificate, each part alone (%d connections, %d exchanges; %d certificates "
                "in batches of %d)\n",
                clients, exchanges, certs, batch);
    row("certificate: RSA-2048 SHA-512 signature, PEM", signUs, "(CertificateSigner, one thread)");
    row("CSR read + signature check", csrUs, "(proof of possession, §18.6)");
    const double bareHttp = bareHttpUs(clients, exchanges);
    row("HTTP exchange, server side: bare epoll loop", bareHttp, "(read + one write per request)");
    const double qtHttp = qtHttpUs(clients, exchanges);
    row("HTTP exchange, server side: Qt event loop", qtHttp, "(QTcpSocket readyRead + send)");
    double loadedHttp = -1;
    const double loadedSignUs = timeEachDuring([&] { loadedHttp = qtHttpUs(clients, exchanges); }, issue);
    row("the signature while the Qt loop serves HTTP", loadedSignUs, "(both CPUs busy, as in a registry)");
    row("HTTP exchange, Qt event loop, meanwhile", loadedHttp, "(beside the signing thread)");
    QTemporaryDir tmp;
    const double sqliteUs = sqliteCommitUs(tmp.filePath(QStringLiteral("a.db")), certs, batch, pem);
    row("durable store, sqlite3 API", sqliteUs, "(token deleted, row written, serial; fdatasync per batch)");
    const double qtSqlUs = qtSqlCommitUs(tmp.filePath(QStringLiteral("b.db")), certs, batch, pem);
    row("durable store, QtSql", qtSqlUs, "(same statements, prepared QSqlQuery)");
    if (signUs > 0 && csrUs > 0 && bareHttp > 0 && qtHttp > 0 && sqliteUs > 0 && qtSqlUs > 0) {
        const double bare = signUs + csrUs + bareHttp + sqliteUs;
        const double qt = signUs + csrUs + qtHttp + qtSqlUs;
        std::printf("%-52s %8.1f µs  (RSA %.0f %%)\n", "floor, bare epoll + sqlite3", bare, 100 * signUs / bare);
        std::printf("%-52s %8.1f µs  (RSA %.0f %%)\n", "floor, Qt event loop + QtSql", qt, 100 * signUs / qt);
        if (loadedSignUs > 0) {
            const double busy = loadedSignUs * (1 + csrUs / signUs) + qtHttp + qtSqlUs;
            std::printf("%-52s %8.1f µs  (RSA %.0f %%)\n", "floor, Qt, crypto timed with both CPUs busy", busy,
                        100 * loadedSignUs / busy);
        }
        return 0;
    }
    return 1;
}
