// SPDX-License-Identifier: GPL-2.0-or-later
// Concurrent enrollment against a real re6st-registry, and a SIGKILL in the
// middle of a burst: the DB must stay consistent (registry-protocol.md §7.3
// buddy tree, §7.1 single-use tokens, §12 schema, §18.7 transactions).
#include "E2eSupport.h"

#include "core/Addressing.h"

#include <QHash>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>
#include <csignal>
#include <sys/types.h>

using namespace re6st;
using namespace re6st::e2e;

class ConcurrencyE2e final : public QObject
{
    Q_OBJECT

private:
    static constexpr int kParallel = 200;
    static constexpr int kBurst = 400;
    static constexpr int kWindow = 60;    // burst requests in flight at any time
    static constexpr int kKillAfter = 40; // answers received when SIGKILL is sent

    QTemporaryDir m_tmp;
    QString m_dir;
    RegistryProcess m_registry;
    crypto::Certificate m_ca;
    QList<QByteArray> m_csrs; // a few keys; the registry does not require distinct keys (§6.3, §7.2)
    QSet<QString> m_issuedCns;
    QSet<QByteArray> m_issuedSerials;
    QList<QPair<QByteArray, QByteArray>> m_burstTokens; // (token, email)

    quint16 port() const { return m_registry.port(); }

    bool addTokens(const QByteArray &tag, int count, QList<QPair<QByteArray, QByteArray>> *out)
    {
        for (int i = 0; i < count; ++i) {
            const QByteArray token = tag + QByteArray::number(i);
            const QByteArray email = tag + '-' + QByteArray::number(i) + "@example.com";
            const HttpReply r = httpGet(port(), target("addToken", {{"email", email}, {"token", token}}));
            if (r.status != 204) return false;
            out->append({token, email});
        }
        return true;
    }

    // Structural check of the cert table (§7.3): the rows partition the space
    // below the network — no row is a prefix of another and the sizes add up.
    void checkBuddyTree(Db &db)
    {
        const auto rows = db.rows(QStringLiteral("SELECT prefix FROM cert ORDER BY prefix"));
        QVERIFY(!rows.isEmpty());
        QStringList prefixes;
        unsigned __int128 total = 0;
        constexpr int kBits = 80; // 128 - 48
        for (const auto &row : rows) {
            const QString p = row[0].toString();
            QVERIFY2(p.size() <= kBits, qPrintable(p));
            QVERIFY2(addressing::isBitString(p.toLatin1()) || p.isEmpty(), qPrintable(p));
            prefixes << p;
            total += (unsigned __int128)1 << (kBits - p.size());
        }
        // Sorted order puts a prefix right before the strings it prefixes.
        for (qsizetype i = 1; i < prefixes.size(); ++i)
            QVERIFY2(!prefixes[i].startsWith(prefixes[i - 1]),
                     qPrintable(QStringLiteral("%1 is inside %2").arg(prefixes[i], prefixes[i - 1])));
        QVERIFY2(total == (unsigned __int128)1 << kBits, "cert rows do not cover the network exactly once");
    }

    void checkIntegrity(Db &db)
    {
        QCOMPARE(db.value(QStringLiteral("PRAGMA integrity_check")).toString(), QStringLiteral("ok"));
        checkBuddyTree(db);
        if (QTest::currentTestFailed()) return;
        // X.509 serials are never reused; config serial is the highest one (§7.5).
        QSet<QByteArray> serials;
        qint64 maxSerial = 0;
        for (const auto &row : db.rows(QStringLiteral("SELECT cert FROM cert WHERE cert IS NOT NULL AND cert != 'reserved'"))) {
            const auto cert = crypto::Certificate::fromPem(row[0].toByteArray());
            QVERIFY(cert);
            QVERIFY2(!serials.contains(cert->serialDecimal()), cert->serialDecimal().constData());
            serials.insert(cert->serialDecimal());
            maxSerial = qMax(maxSerial, cert->serialDecimal().toLongLong());
        }
        QVERIFY(db.value(QStringLiteral("SELECT value FROM config WHERE name = 'serial'")).toLongLong() >= maxSerial);
    }

    // kBurst requestCertificate calls with new tokens tagged `tag` (into
    // *tokens), at most kWindow in flight, so that whatever the scheduling the
    // signal lands mid-burst: `signo` goes to the registry PID the moment the
    // kKillAfter-th answer is in. Returns the answers counted then, -1 if the
    // signal was never sent; the rest of the burst is left to http.run().
    int signalDuringBurst(const QByteArray &tag, int signo, QList<QPair<QByteArray, QByteArray>> *tokens,
                          ParallelHttp &http)
    {
        const pid_t pid = pid_t(m_registry.pid());
        if (pid <= 0 || !addTokens(tag, kBurst, tokens)) return -1;
        for (int i = 0; i < kBurst; ++i)
            http.add(requestBytes("GET", requestCertificateTarget((*tokens)[i].first, m_csrs[i % m_csrs.size()]), {}));
        int sentAt = -1;
        http.onFinished = [&](int) {
            if (sentAt < 0 && http.completed() >= kKillAfter) {
                ::kill(pid, signo);
                sentAt = http.completed();
            }
        };
        http.startAll(kWindow);
        http.run(240000, [&] { return sentAt >= 0; });
        http.onFinished = nullptr;
        return sentAt;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QVERIFY2(QFile::exists(registryBinary()), qPrintable(registryBinary() + QStringLiteral(" missing")));
        m_dir = m_tmp.filePath(QStringLiteral("registry"));
        QDir().mkpath(m_dir);
        QVERIFY(installVectorCa(m_dir));
        m_ca = *crypto::Certificate::fromPem(readAll(m_dir + QStringLiteral("/ca.crt")));
        for (int i = 0; i < 4; ++i) {
            const auto key = crypto::RsaKey::generate(2048);
            QVERIFY(key);
            m_csrs << csrPem(*key, {{"O", QStringLiteral("e2e-%1").arg(i)}});
            QVERIFY(!m_csrs.last().isEmpty());
        }
        QString error;
        QVERIFY2(m_registry.start(RegistryProcess::config(m_dir), &error), qPrintable(error));
    }

    void cleanupTestCase() { m_registry.stop(); }

    void parallelRequestsGetDistinctPrefixes()
    {
        QList<QPair<QByteArray, QByteArray>> tokens;
        QVERIFY(addTokens("par", kParallel, &tokens));
        ParallelHttp http(port());
        for (int i = 0; i < kParallel; ++i)
            http.add(requestBytes("GET", requestCertificateTarget(tokens[i].first, m_csrs[i % m_csrs.size()]), {}));
        QElapsedTimer timer;
        timer.start();
        http.startAll();
        QVERIFY2(http.run(240000), qPrintable(QStringLiteral("%1/%2 done").arg(http.completed()).arg(kParallel)));
        qInfo("%d parallel requestCertificate in %lld ms", kParallel, timer.elapsed());

        QHash<QString, int> cnToRequest;
        Db db(m_registry.db());
        QVERIFY2(db.isOpen(), qPrintable(db.error()));
        for (int i = 0; i < kParallel; ++i) {
            const HttpReply &r = http.at(i).reply;
            QVERIFY2(r.status == 200, qPrintable(QStringLiteral("request %1: %2").arg(i).arg(r.describe())));
            const auto cert = crypto::Certificate::fromPem(r.body);
            QVERIFY(cert);
            QVERIFY(cert->isSignedBy(m_ca.publicKey()));
            const QString cn = cert->commonName();
            QVERIFY2(!cnToRequest.contains(cn), qPrintable(QStringLiteral("%1 issued twice").arg(cn)));
            cnToRequest.insert(cn, i);
            QVERIFY(!m_issuedSerials.contains(cert->serialDecimal()));
            m_issuedSerials.insert(cert->serialDecimal());
            const auto bits = addressing::bitsFromCn(cn);
            QVERIFY(bits && bits->size() == 16);
            // The DB holds exactly what the client received, for the token's email.
            const auto rows = db.rows(QStringLiteral("SELECT email, cert FROM cert WHERE prefix = ?"), {QString::fromLatin1(*bits)});
            QCOMPARE(rows.size(), 1);
            QCOMPARE(rows[0][0].toByteArray(), tokens[i].second);
            QCOMPARE(rows[0][1].toByteArray().trimmed(), r.body.trimmed());
        }
        QCOMPARE(cnToRequest.size(), kParallel);
        for (auto it = cnToRequest.cbegin(); it != cnToRequest.cend(); ++it) m_issuedCns.insert(it.key());
        QCOMPARE(db.value(QStringLiteral("SELECT count(*) FROM cert WHERE cert IS NOT NULL AND cert != 'reserved'")).toInt(), kParallel);
        QCOMPARE(db.value(QStringLiteral("SELECT count(*) FROM token WHERE token LIKE 'par%'")).toInt(), 0);
        checkIntegrity(db);
        QVERIFY(m_registry.alive());
    }

    void sigkillDuringBurstKeepsDbConsistent()
    {
        m_burstTokens.clear();
        ParallelHttp http(port());
        const int killedAt = signalDuringBurst("burst", SIGKILL, &m_burstTokens, http);
        QVERIFY2(killedAt >= 0, qPrintable(QStringLiteral("only %1 answers").arg(http.completed())));
        m_registry.killHard(); // reaps it
        QVERIFY(!m_registry.isRunning());
        http.run(60000); // the rest fail (connection reset/refused)
        QCOMPARE(http.completed(), kBurst);
        qInfo("registry killed after %d of %d answers", killedAt, kBurst);

        QString error;
        QVERIFY2(m_registry.restart(&error), qPrintable(error));
        QVERIFY(m_registry.alive());

        Db db(m_registry.db());
        QVERIFY2(db.isOpen(), qPrintable(db.error()));
        checkIntegrity(db);
        if (QTest::currentTestFailed()) return;
        // The prefixes that batches in flight had reserved are free again.
        QCOMPARE(db.value(QStringLiteral("SELECT count(*) FROM cert WHERE cert = 'reserved'")).toInt(), 0);
        QCOMPARE(db.value(QStringLiteral("SELECT count(*) FROM config WHERE name = 'issuing'")).toInt(), 0);
        int received = 0, stored = 0, pending = 0;
        for (int i = 0; i < kBurst; ++i) {
            const auto &[token, email] = m_burstTokens[i];
            const HttpReply &r = http.at(i).reply;
            const int tokenRows = db.value(QStringLiteral("SELECT count(*) FROM token WHERE token = ?"), {QString::fromLatin1(token)}).toInt();
            const auto certRows = db.rows(QStringLiteral("SELECT prefix, cert FROM cert WHERE email = ? AND cert IS NOT NULL"), {QString::fromLatin1(email)});
            QVERIFY2(certRows.size() <= 1, email.constData());
            // Exactly one of: token still usable, certificate stored. Never both, never neither.
            QVERIFY2(tokenRows + certRows.size() == 1,
                     qPrintable(QStringLiteral("%1: token rows %2, cert rows %3").arg(QString::fromLatin1(email)).arg(tokenRows).arg(certRows.size())));
            if (r.status == 200) {
                ++received;
                // Whatever a client received is recorded.
                QVERIFY2(certRows.size() == 1, qPrintable(QStringLiteral("%1 received a cert that is not in the DB").arg(QString::fromLatin1(email))));
                QCOMPARE(certRows[0][1].toByteArray().trimmed(), r.body.trimmed());
                const auto cert = crypto::Certificate::fromPem(r.body);
                QVERIFY(cert);
                QVERIFY(!m_issuedCns.contains(cert->commonName()));
                m_issuedCns.insert(cert->commonName());
            } else {
                QVERIFY2(r.status == 0, qPrintable(QStringLiteral("request %1: %2").arg(i).arg(r.describe())));
            }
            stored += int(certRows.size());
            pending += tokenRows;
        }
        qInfo("burst: %d certificates received, %d stored, %d tokens still pending", received, stored, pending);
        QVERIFY(received >= kKillAfter);
        QVERIFY(pending > 0); // the kill really happened mid-burst
    }

    void registryWorksAfterRestart()
    {
        // The surviving tokens are still usable, with fresh distinct prefixes.
        Db before(m_registry.db());
        QList<QPair<QByteArray, QByteArray>> pending;
        for (const auto &t : std::as_const(m_burstTokens))
            if (before.value(QStringLiteral("SELECT count(*) FROM token WHERE token = ?"), {QString::fromLatin1(t.first)}).toInt() == 1) pending << t;
        QVERIFY(!pending.isEmpty());
        ParallelHttp http(port());
        for (int i = 0; i < pending.size(); ++i)
            http.add(requestBytes("GET", requestCertificateTarget(pending[i].first, m_csrs[i % m_csrs.size()]), {}));
        http.startAll();
        QVERIFY(http.run(240000));
        QSet<QString> cns;
        for (int i = 0; i < pending.size(); ++i) {
            const HttpReply &r = http.at(i).reply;
            QVERIFY2(r.status == 200, qPrintable(r.describe()));
            const auto cert = crypto::Certificate::fromPem(r.body);
            QVERIFY(cert);
            QVERIFY2(!cns.contains(cert->commonName()), qPrintable(cert->commonName()));
            cns.insert(cert->commonName());
        }
        Db db(m_registry.db());
        checkIntegrity(db);
        QCOMPARE(db.value(QStringLiteral("SELECT count(*) FROM token")).toInt(), 0);
        QCOMPARE(db.value(QStringLiteral("SELECT count(*) FROM cert WHERE cert IS NOT NULL AND cert != 'reserved'")).toInt(),
                 kParallel + kBurst);
    }

    // SIGTERM during a burst: the registry stops accepting, answers the
    // requests it has read (their signatures in flight) and exits 0, leaving
    // no prefix reserved; every answer received is in the database.
    void sigtermDuringBurstAnswersInFlight()
    {
        QList<QPair<QByteArray, QByteArray>> tokens;
        ParallelHttp http(port());
        const int termAt = signalDuringBurst("term", SIGTERM, &tokens, http);
        QVERIFY2(termAt >= 0, qPrintable(QStringLiteral("only %1 answers").arg(http.completed())));
        http.run(60000); // the rest: answered, or refused once the registry stopped listening
        QCOMPARE(http.completed(), kBurst);
        QCOMPARE(m_registry.waitForExit(30000), 0);
        Db db(m_registry.db());
        QVERIFY2(db.isOpen(), qPrintable(db.error()));
        checkIntegrity(db);
        QCOMPARE(db.value(QStringLiteral("SELECT count(*) FROM cert WHERE cert = 'reserved'")).toInt(), 0);
        QCOMPARE(db.value(QStringLiteral("SELECT count(*) FROM config WHERE name = 'issuing'")).toInt(), 0);
        int received = 0;
        for (int i = 0; i < kBurst; ++i) {
            const HttpReply &r = http.at(i).reply;
            const auto certRows = db.rows(QStringLiteral("SELECT cert FROM cert WHERE email = ?"), {QString::fromLatin1(tokens[i].second)});
            const int tokenRows = db.value(QStringLiteral("SELECT count(*) FROM token WHERE token = ?"), {QString::fromLatin1(tokens[i].first)}).toInt();
            QVERIFY2(tokenRows + certRows.size() == 1, tokens[i].second.constData());
            if (r.status == 200) {
                ++received;
                QVERIFY2(certRows.size() == 1, tokens[i].second.constData());
                QCOMPARE(certRows[0][0].toByteArray().trimmed(), r.body.trimmed());
            } else {
                QVERIFY2(r.status == 0, qPrintable(QStringLiteral("request %1: %2").arg(i).arg(r.describe())));
            }
        }
        qInfo("SIGTERM after %d answers: %d certificates received in all", termAt, received);
        QVERIFY(received >= kKillAfter);
        QString error;
        QVERIFY2(m_registry.restart(&error), qPrintable(error));
        QVERIFY(m_registry.alive());
    }
};

QTEST_GUILESS_MAIN(ConcurrencyE2e)
#include "tst_concurrency_e2e.moc"
