// SPDX-License-Identifier: GPL-2.0-or-later
// The registry with a database that refuses writes, as SQLite refuses them
// on a file system remounted read-only after an error (PRAGMA query_only:
// "attempt to write a readonly database", BEGIN included). Every endpoint
// that writes answers at once with 500 and the reason (registry-protocol.md
// §4.2, §6), loses nothing (no token consumed, no certificate half-stored,
// no key rotated piecemeal) and works again once the database does. Before:
// addToken with an empty token looped forever (event loop blocked, ~30,000
// log lines per second), requestToken retried 100 times, a refused write
// read as "token already exists" (409), deleteToken answered 204.
// A statement failing inside a transaction: tst_registrystore. A real full
// disk (tmpfs), through a registry process: e2e_tst_diskfull_e2e.
#include "core/Addressing.h"
#include "core/NetworkVersion.h"
#include "tests/unit/RegistryServiceFixture.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QTest>

using namespace re6st;
using namespace re6st::registry;
using namespace re6st::registry::test;

namespace {

bool sql(RegistryStore &store, const QString &statement)
{
    QSqlQuery q(store.database());
    if (q.exec(statement)) return true;
    qWarning() << statement << q.lastError().text();
    return false;
}

// From now on writes fail as on a read-only file system.
bool refuseWrites(RegistryStore &store)
{
    return sql(store, QStringLiteral("PRAGMA query_only = 1"));
}

void allowWrites(RegistryStore &store)
{
    sql(store, QStringLiteral("PRAGMA query_only = 0"));
}

// A 500 whose message says it is the database and why.
bool isDatabaseError(const HttpResponse &r)
{
    return r.status == 500 && r.body.contains("database error (attempt to write a readonly database), retry later");
}

RegistryOptions withMail(const QTemporaryDir &dir)
{
    RegistryOptions o = baseOptions();
    o.mailhost = dir.filePath("mbox");
    return o;
}

} // namespace

class tst_RegistryDbFailure final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void tokens()
    {
        QTemporaryDir mail;
        Fixture f(withMail(mail));
        QCOMPARE(f.get("/addToken?email=kept&token=kept").status, 204);
        QVERIFY(refuseWrites(f.store));

        const HttpResponse requested = f.get("/requestToken?email=a%40example.com");
        QVERIFY2(isDatabaseError(requested), requested.body.constData());
        // Generated token: used to retry forever.
        const HttpResponse generated = f.get("/addToken?email=a&token=");
        QVERIFY2(isDatabaseError(generated), generated.body.constData());
        // Chosen token: used to answer 409 "token already exists".
        const HttpResponse chosen = f.get("/addToken?email=a&token=new");
        QVERIFY2(isDatabaseError(chosen), chosen.body.constData());
        QCOMPARE(f.get("/isToken?token=kept").body, QByteArray("1"));
        QCOMPARE(f.store.tokenCount(), 1);

        allowWrites(f.store);
        QCOMPARE(f.get("/addToken?email=a&token=new").status, 204);
        QCOMPARE(f.get("/addToken?email=a&token=new").status, 409); // a real duplicate still is one
        QCOMPARE(f.get("/addToken?email=a&token=").status, 204);
        QCOMPARE(f.get("/requestToken?email=a%40example.com").status, 204);
        QCOMPARE(f.store.tokenCount(), 4);
    }

    void deleteTokenKeepsItWhenRefused()
    {
        Fixture f(baseOptions());
        QCOMPARE(f.get("/addToken?email=a&token=t0").status, 204);
        QVERIFY(refuseWrites(f.store));
        const HttpResponse r = f.get("/deleteToken?token=t0");
        QVERIFY2(isDatabaseError(r), r.body.constData()); // was 204
        QCOMPARE(f.get("/isToken?token=t0").body, QByteArray("1"));
        allowWrites(f.store);
        QCOMPARE(f.get("/deleteToken?token=t0").status, 204);
        QCOMPARE(f.get("/isToken?token=t0").status, 204);
    }

    void requestCertificateKeepsTheToken()
    {
        Fixture f(baseOptions());
        QCOMPARE(f.get("/addToken?email=a&token=t0").status, 204);
        const QByteArray target = "/requestCertificate?token=t0&req=" + Fixture::q(f.csr(vectorKey("node-0-16.key")));
        QVERIFY(refuseWrites(f.store));
        const HttpResponse refused = f.get(target);
        QVERIFY2(isDatabaseError(refused), refused.body.constData());
        QVERIFY(f.store.token(QStringLiteral("t0")));
        QVERIFY(f.store.allocatedRows().isEmpty());
        QVERIFY(f.issuing().isEmpty());

        allowWrites(f.store);
        const HttpResponse issued = f.get(target);
        QCOMPARE(issued.status, 200);
        QVERIFY(!f.store.token(QStringLiteral("t0")));
        QCOMPARE(f.store.allocatedRows().size(), 1);
        QCOMPARE(f.store.allocatedRows().constFirst().cert, issued.body);
    }

    void revokeRenewAndHmac()
    {
        Fixture f(baseOptions());
        QCOMPARE(f.get("/addToken?email=a&token=t0").status, 204);
        QCOMPARE(f.get("/addToken?email=b&token=t1").status, 204);
        const auto key1 = vectorKey("node-1-16.key");
        QCOMPARE(f.get("/requestCertificate?token=t0&req=" + Fixture::q(f.csr(vectorKey("node-0-16.key")))).status, 200);
        const HttpResponse issued = f.get("/requestCertificate?token=t1&req=" + Fixture::q(f.csr(key1)));
        QCOMPARE(issued.status, 200);
        const auto cert = crypto::Certificate::fromPem(issued.body);
        QVERIFY(cert);
        const QByteArray bits = *addressing::bitsFromCn(cert->commonName());
        const QByteArray cn = QUrl::toPercentEncoding(cert->commonName());
        const QByteArray version = f.store.configBlob(QStringLiteral("version"));
        const BabelHmacKeys keys = f.service->babelHmacKeys();
        QVERIFY(refuseWrites(f.store));

        // Used to say "already revoked" when the CRL row could not be written.
        HttpResponse r = f.get("/revoke?cn_or_serial=" + cn);
        QVERIFY2(isDatabaseError(r), r.body.constData());
        r = f.get("/revoke?cn_or_serial=" + cert->serialDecimal());
        QVERIFY2(isDatabaseError(r), r.body.constData());
        QVERIFY(f.store.crlSerials().isEmpty());
        QCOMPARE(f.store.row(bits)->cert, issued.body);

        r = f.get("/updateHMAC");
        QVERIFY2(isDatabaseError(r), r.body.constData());
        QCOMPARE(f.service->babelHmacKeys().h0, keys.h0);
        QCOMPARE(f.service->babelHmacKeys().h1, keys.h1);
        QCOMPARE(f.store.configBlob(QStringLiteral("version")), version);

        f.clock = cert->notAfter() - RegistryService::RenewPeriod + 10; // due for renewal
        HmacRatchet ratchet(f.hello(bits, key1)); // a hello's secret lives a minute
        r = f.signedGet(ratchet, "/renewCertificate?cn=" + bits);
        QVERIFY2(isDatabaseError(r), r.body.constData());
        QCOMPARE(f.store.row(bits)->cert, issued.body);
        const qint64 serial = f.store.config(QStringLiteral("serial")).toLongLong();

        allowWrites(f.store);
        r = f.signedGet(ratchet, "/renewCertificate?cn=" + bits);
        QCOMPARE(r.status, 200);
        QCOMPARE(crypto::Certificate::fromPem(r.body)->serialDecimal(), QByteArray::number(serial + 1));
        f.clock = kNow;
        QCOMPARE(f.get("/updateHMAC").status, 204);
        QCOMPARE(f.get("/revoke?cn_or_serial=" + cn).status, 204);
        QCOMPARE(f.store.crlSerials(), QList<qint64>{serial + 1});
    }

    void changedConfigVersionIsRetried()
    {
        Fixture f(baseOptions());
        QCOMPARE(f.get("/addToken?email=a&token=t0").status, 204);
        QCOMPARE(f.get("/requestCertificate?token=t0&req=" + Fixture::q(f.csr(vectorKey("node-0-16.key")))).status, 200);
        f.service->setNetworkConfigRetryMs(50);
        const auto before = networkversion::counter(f.store.configBlob(QStringLiteral("version")));
        QVERIFY(before);
        QCOMPARE(f.store.insertCrl(42, kNow + 3600), RegistryStore::Change::Made); // a change of the CRL
        QVERIFY(refuseWrites(f.store));
        QVERIFY(!f.service->updateNetworkConfig());
        QVERIFY(f.service->isNetworkConfigPending());
        QTest::qWait(200); // retried meanwhile, still refused
        QVERIFY(f.service->isNetworkConfigPending());
        allowWrites(f.store);
        QVERIFY(Fixture::waitUntil([&f] { return !f.service->isNetworkConfigPending(); }));
        QCOMPARE(networkversion::counter(f.store.configBlob(QStringLiteral("version"))), *before + 1);
    }

    void startRefusedOnAFreshNetwork()
    {
        // No node yet: the first Babel HMAC key must be stored, or the
        // registry would hand out a configuration without one.
        QTemporaryDir dir;
        RegistryStore store;
        QString error;
        QVERIFY(store.open(dir.filePath("registry.db"), &error));
        QVERIFY(refuseWrites(store));
        RegistryService::Dependencies deps;
        deps.store = &store;
        deps.ca = *crypto::Certificate::fromPem(readVector("crypto/ca.crt"));
        deps.caKey = vectorKey("ca.key");
        RegistryService service(baseOptions(), deps);
        QVERIFY(!service.start(&error));
        QVERIFY2(error.contains(QLatin1String("readonly")), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(tst_RegistryDbFailure)
#include "tst_registrydbfailure.moc"
