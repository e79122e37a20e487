// SPDX-License-Identifier: GPL-2.0-or-later
// NetworkConfigSync against a real in-process registry on 127.0.0.1 (vector CA
// and registry DB) with real cache.db files: node-protocol.md §7.3–7.7, §8,
// §1.1 (--dh); registry-protocol.md §8.2–8.3, §9.
#include "core/NetworkVersion.h"
#include "core/RegistryClient.h"
#include "core/Zlib.h"
#include "core/crypto/Certificate.h"
#include "core/crypto/Digest.h"
#include "core/crypto/RsaKey.h"
#include "daemon/NetworkConfigSync.h"
#include "daemon/NodeIdentity.h"
#include "daemon/PeerCache.h"
#include "registry/HttpFront.h"
#include "registry/RegistryOptions.h"
#include "registry/RegistryService.h"
#include "registry/RegistryStore.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

using namespace re6st;
using namespace re6st::daemon;
using namespace re6st::registry;

namespace {

constexpr qint64 kNow = 1795700000; // inside the vector certificates' validity
constexpr int kWait = 30000;        // generous bound for every asynchronous step

QString vectors()
{
    return qEnvironmentVariable("RE6ST_VECTORS", QStringLiteral("/work/shared/vectors"));
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QByteArray readVector(const QString &relative)
{
    const QByteArray data = readFile(vectors() + QLatin1Char('/') + relative);
    if (data.isEmpty()) qFatal("missing vector %s", qPrintable(relative));
    return data;
}

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
}

quint16 freePort()
{
    QTcpServer s;
    return s.listen(QHostAddress::LocalHost, 0) ? s.serverPort() : 0;
}

QByteArray hmacHeader(const HttpResponse &r)
{
    for (const auto &[name, value] : r.headers)
        if (name.toLower() == "re6sthmac") return value;
    return {};
}

// re6st-registry in-process: store + service + HTTP front on 127.0.0.1.
struct TestRegistry
{
    QTemporaryDir dir;
    RegistryStore store;
    std::unique_ptr<RegistryService> service;
    std::unique_ptr<HttpFront> front;
    qint64 clock = kNow;
    quint16 port = 0;
    // Set to answer (some) requests instead of the service.
    std::function<void(const HttpRequest &, HttpFront::Responder)> intercept;

    TestRegistry()
    {
        const QString db = dir.filePath(QStringLiteral("registry.db"));
        QFile::copy(vectors() + QStringLiteral("/registry-db/registry.db"), db);
        QFile(db).setPermissions(QFile::ReadOwner | QFile::WriteOwner);
        QString error;
        if (!store.open(db, &error)) qFatal("registry store: %s", qPrintable(error));
    }

    bool startService(RegistryOptions options = {})
    {
        options.ca = QStringLiteral("ca.crt");
        options.key = QStringLiteral("ca.key");
        RegistryService::Dependencies deps;
        deps.store = &store;
        deps.ca = *crypto::Certificate::fromPem(readVector(QStringLiteral("crypto/ca.crt")));
        deps.caKey = *crypto::RsaKey::fromPem(readVector(QStringLiteral("crypto/ca.key")));
        deps.dh = readVector(QStringLiteral("crypto/dh2048.pem"));
        service.reset();
        service = std::make_unique<RegistryService>(options, deps);
        service->setClock([this] { return clock; });
        QString error;
        if (!service->start(&error)) qWarning("registry start: %s", qPrintable(error));
        return error.isEmpty();
    }

    bool listen(quint16 wanted = 0)
    {
        front = std::make_unique<HttpFront>([this](const HttpRequest &request, HttpFront::Responder reply) {
            if (intercept) return intercept(request, std::move(reply));
            service->handle(request, std::move(reply));
        });
        QString error;
        if (!front->listen(QHostAddress::LocalHost, wanted, &error)) {
            qWarning("registry listen: %s", qPrintable(error));
            return false;
        }
        port = front->serverPort();
        return true;
    }

    void down() { front.reset(); }
    QUrl url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(port)); }

    // A private call from 127.0.0.1 (updateHMAC, revoke), synchronously.
    RegistryClient::Result privateCall(const std::function<void(RegistryClient &, RegistryClient::Callback)> &call)
    {
        RegistryClient client(url());
        std::optional<RegistryClient::Result> out;
        call(client, [&out](const RegistryClient::Result &r) { out = r; });
        (void)QTest::qWaitFor([&out] { return out.has_value(); }, kWait);
        return out.value_or(RegistryClient::Result{});
    }
};

// Forwards to the service but replaces getNetworkConfig answers by `forged`
// with a valid Re6stHMAC: it follows the ratchet (registry-protocol.md §5.3)
// with the secret decrypted from hello answers using the node key — what an
// authenticated but buggy registry would send.
struct ForgingProxy
{
    TestRegistry *registry = nullptr;
    crypto::RsaKey nodeKey;
    QByteArray forged;
    QByteArray key; // signs the next authenticated request

    void handle(const HttpRequest &request, HttpFront::Responder reply)
    {
        const QByteArray target = request.target;
        registry->service->handle(request, [this, target, reply](HttpResponse r) {
            if (target.startsWith("/hello") && r.status == 200) {
                key = nodeKey.decrypt(r.body.left(r.body.size() / 2)).value_or(QByteArray());
            } else if (target.contains("cn=") && !hmacHeader(r).isEmpty()) {
                const QByteArray responseKey = crypto::sha1(key);
                key = crypto::sha1(responseKey);
                if (target.startsWith("/getNetworkConfig")) {
                    r.body = forged;
                    r.headers = {{"Re6stHMAC", crypto::hmacSha1(responseKey, forged).toBase64()}};
                }
            }
            reply(r);
        });
    }
};

// A node: its files in a temp dir, cache.db, registry client and the object under test.
struct TestNode
{
    QTemporaryDir dir;
    QString stem;
    NodeIdentity identity;
    std::unique_ptr<PeerCache> cache;
    std::unique_ptr<RegistryClient> client;
    std::unique_ptr<NetworkConfigSync> sync;
    qint64 clock = kNow;
    QString dhPath;

    explicit TestNode(const QString &certStem = QStringLiteral("node-1-16")) : stem(certStem)
    {
        writeFile(caPath(), readVector(QStringLiteral("crypto/ca.crt")));
        writeFile(certPath(), readVector(QStringLiteral("crypto/%1.crt").arg(stem)));
    }
    QString caPath() const { return dir.filePath(QStringLiteral("ca.crt")); }
    QString certPath() const { return dir.filePath(QStringLiteral("cert.crt")); }
    QString stateDir() const { return dir.filePath(QStringLiteral("state")); }
    QString cachePath() const { return dir.filePath(QStringLiteral("cache.db")); }

    // (Re)creates everything from the files, like a daemon (re)start.
    bool create(const QUrl &registry)
    {
        sync.reset();
        client.reset();
        cache.reset();
        const auto loaded = NodeIdentity::fromPem(readFile(caPath()), readFile(certPath()),
                                                  readVector(QStringLiteral("crypto/%1.key").arg(stem)), clock);
        if (!loaded.identity) {
            qWarning("identity: %s", qPrintable(loaded.error));
            return false;
        }
        identity = *loaded.identity;
        QString error;
        cache = PeerCache::open(cachePath(), identity.prefix, &error);
        if (!cache) {
            qWarning("cache: %s", qPrintable(error));
            return false;
        }
        client = std::make_unique<RegistryClient>(registry);
        client->setTimeout(kWait);
        NetworkConfigSync::Options options;
        options.caPath = caPath();
        options.certPath = certPath();
        options.stateDir = stateDir();
        options.dhPath = dhPath;
        sync = std::make_unique<NetworkConfigSync>(options, identity, cache.get(), client.get());
        sync->setBackoffForTests(20, 100);
        sync->setClockForTests([this] { return clock; });
        return true;
    }
};

// Runs start() and waits for its single outcome.
struct StartResult
{
    QString outcome; // "ready", "renewed", "fatal", or "" on timeout
    QVariantMap config;
    QString message;
};

StartResult startAndWait(NetworkConfigSync &sync, int timeoutMs = kWait)
{
    QSignalSpy ready(&sync, &NetworkConfigSync::ready);
    QSignalSpy renewed(&sync, &NetworkConfigSync::renewed);
    QSignalSpy fatal(&sync, &NetworkConfigSync::fatal);
    sync.start();
    (void)QTest::qWaitFor([&] { return ready.count() + renewed.count() + fatal.count() > 0; }, timeoutMs);
    StartResult r;
    if (ready.count() + renewed.count() + fatal.count() != 1) return r;
    if (ready.count()) r.outcome = QStringLiteral("ready"), r.config = ready.at(0).at(0).toMap();
    if (renewed.count()) r.outcome = QStringLiteral("renewed");
    if (fatal.count()) r.outcome = QStringLiteral("fatal"), r.message = fatal.at(0).at(0).toString();
    return r;
}

crypto::RsaKey caKey()
{
    return *crypto::RsaKey::fromPem(readVector(QStringLiteral("crypto/ca.key")));
}

} // namespace

class tst_NetworkConfigSync final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void firstStartFetchesConfig()
    {
        TestRegistry registry;
        QVERIFY(registry.startService());
        QVERIFY(registry.listen());
        TestNode node;
        QVERIFY(node.create(registry.url()));
        QSignalSpy failed(node.sync.get(), &NetworkConfigSync::fetchFailed);
        const StartResult r = startAndWait(*node.sync);
        QCOMPARE(r.outcome, QStringLiteral("ready"));
        QCOMPARE(node.sync->fetchAttempts(), 1);
        QCOMPARE(failed.count(), 0);
        // Decoded values (registry-protocol.md §9.1 with RegistryOptions defaults).
        QCOMPARE(r.config.value("registry_prefix").toString(), QStringLiteral("0000000000000000"));
        QCOMPARE(r.config.value("hello").toInt(), 15);
        QCOMPARE(r.config.value("protocol").toInt(), 10);
        QCOMPARE(r.config.value("crl").toList().value(0).toLongLong(), 6);
        QCOMPARE(r.config.value("babel_hmac_sign").toByteArray().size(), 16); // decrypted raw key
        QVERIFY(!r.config.contains(QString()));
        QVERIFY(networkversion::verify(r.config.value("version").toByteArray(), caKey()).has_value());
        QCOMPARE(node.sync->version(), r.config.value("version").toByteArray());
        QCOMPARE(node.sync->config(), r.config);
        QVERIFY(!node.sync->isRegistryNode());
        // Stored in cache.db (§7.1): a fresh reader sees the same values.
        QString error;
        auto reader = PeerCache::open(node.cachePath(), node.identity.prefix, &error);
        QVERIFY2(reader, qPrintable(error));
        const QVariantMap stored = reader->loadConfig();
        QCOMPARE(stored.value("version").toByteArray(), node.sync->version());
        QCOMPARE(stored.value("babel_hmac_sign").toByteArray(), r.config.value("babel_hmac_sign").toByteArray());
        QCOMPARE(reader->crl(), QSet<qint64>{6});
        // §8: nothing to renew; next check 30 days before the earliest notAfter.
        const qint64 expected = qMin(node.identity.cert.notAfter(), node.identity.ca.notAfter())
                                - NetworkConfigSync::kRenewPeriod;
        QCOMPARE(node.sync->nextRenewal(), expected);
        QCOMPARE(readFile(node.certPath()), readVector("crypto/node-1-16.crt"));
    }

    void validCacheNeedsNoRegistry()
    {
        TestRegistry registry;
        QVERIFY(registry.startService());
        QVERIFY(registry.listen());
        TestNode node;
        QVERIFY(node.create(registry.url()));
        const StartResult first = startAndWait(*node.sync);
        QCOMPARE(first.outcome, QStringLiteral("ready"));

        registry.down();
        QVERIFY(node.create(registry.url())); // daemon restart
        QSignalSpy failed(node.sync.get(), &NetworkConfigSync::fetchFailed);
        const StartResult second = startAndWait(*node.sync, 5000);
        QCOMPARE(second.outcome, QStringLiteral("ready"));
        QCOMPARE(node.sync->fetchAttempts(), 0); // §7.7: no registry contact at all
        QCOMPARE(failed.count(), 0);
        QCOMPARE(second.config.value("version").toByteArray(), first.config.value("version").toByteArray());
        QCOMPARE(second.config.value("hello").toInt(), 15);
    }

    void registryNodeAndOldProtocolRefreshOnce()
    {
        TestRegistry registry;
        QVERIFY(registry.startService());
        QVERIFY(registry.listen());
        TestNode node(QStringLiteral("node-0-16")); // the registry node
        QVERIFY(node.create(registry.url()));
        QCOMPARE(startAndWait(*node.sync).outcome, QStringLiteral("ready"));
        QVERIFY(node.sync->isRegistryNode());

        // Registry node, registry down: one tolerated attempt, then ready from the cache.
        registry.down();
        QVERIFY(node.create(registry.url()));
        QSignalSpy failed(node.sync.get(), &NetworkConfigSync::fetchFailed);
        QCOMPARE(startAndWait(*node.sync).outcome, QStringLiteral("ready"));
        QCOMPARE(node.sync->fetchAttempts(), 1);
        QCOMPARE(failed.count(), 1);

        // Cached protocol older than ours (non-registry node): refreshed once.
        QVERIFY(registry.listen());
        TestNode other;
        QVERIFY(other.create(registry.url()));
        QCOMPARE(startAndWait(*other.sync).outcome, QStringLiteral("ready"));
        QVariantMap old = other.cache->loadConfig();
        old.insert("protocol", 9);
        QVERIFY(other.cache->storeConfig(old));
        QVERIFY(other.create(registry.url()));
        const StartResult r = startAndWait(*other.sync);
        QCOMPARE(r.outcome, QStringLiteral("ready"));
        QCOMPARE(other.sync->fetchAttempts(), 1);
        QCOMPARE(r.config.value("protocol").toInt(), 10);
        QCOMPARE(other.cache->loadConfig().value("protocol").toInt(), 10);
    }

    void emptyCacheWaitsForRegistry()
    {
        TestRegistry registry;
        QVERIFY(registry.startService());
        const quint16 port = freePort();
        QVERIFY(port);
        registry.port = port;
        TestNode node;
        QVERIFY(node.create(registry.url()));
        QSignalSpy ready(node.sync.get(), &NetworkConfigSync::ready);
        QSignalSpy failed(node.sync.get(), &NetworkConfigSync::fetchFailed);
        node.sync->start();
        // §7.4.1: back-off loop while the registry is unreachable, never ready.
        QTRY_VERIFY_WITH_TIMEOUT(failed.count() >= 3, kWait);
        QCOMPARE(ready.count(), 0);
        QVERIFY(node.cache->loadConfig().isEmpty());
        QVERIFY(registry.listen(port));
        QVERIFY(ready.wait(kWait) || ready.count() == 1);
        QCOMPARE(ready.count(), 1);
        QCOMPARE(ready.at(0).at(0).toMap().value("hello").toInt(), 15);
        QVERIFY(node.sync->fetchAttempts() >= 4);
    }

    void invalidCachedVersionForcesFetch()
    {
        TestRegistry registry;
        QVERIFY(registry.startService());
        QVERIFY(registry.listen());
        TestNode node;
        QVERIFY(node.create(registry.url()));
        QCOMPARE(startAndWait(*node.sync).outcome, QStringLiteral("ready"));
        const QByteArray good = node.sync->version();
        QVariantMap tampered = node.cache->loadConfig();
        QByteArray bad = good;
        bad[bad.size() - 1] = char(bad.at(bad.size() - 1) ^ 1); // signature no longer verifies
        tampered.insert("version", bad);
        tampered.insert("hello", 99);
        QVERIFY(node.cache->storeConfig(tampered));
        QVERIFY(node.create(registry.url()));
        const StartResult r = startAndWait(*node.sync);
        QCOMPARE(r.outcome, QStringLiteral("ready"));
        QCOMPARE(node.sync->fetchAttempts(), 1);
        QCOMPARE(r.config.value("version").toByteArray(), good);
        QCOMPARE(r.config.value("hello").toInt(), 15);
    }

    void changedConfigListsKeys()
    {
        TestRegistry registry;
        QVERIFY(registry.startService());
        QVERIFY(registry.listen());
        TestNode node;
        QVERIFY(node.create(registry.url()));
        QCOMPARE(startAndWait(*node.sync).outcome, QStringLiteral("ready"));
        QSignalSpy changed(node.sync.get(), &NetworkConfigSync::changed);
        const QByteArray before = node.sync->version();

        // Registry restarted with another --hello (registry-protocol.md §9.3: version bumped).
        RegistryOptions options;
        options.hello = 20;
        QVERIFY(registry.startService(options));
        node.sync->scheduleFetch(0);
        QVERIFY(node.sync->fetchPending());
        QTRY_COMPARE_WITH_TIMEOUT(changed.count(), 1, kWait);
        QStringList keys = changed.at(0).at(1).toStringList();
        keys.sort();
        QCOMPARE(keys, (QStringList{"hello", "version"}));
        QCOMPARE(changed.at(0).at(0).toMap().value("hello").toInt(), 20);
        QCOMPARE(node.sync->config().value("hello").toInt(), 20);
        QVERIFY(*networkversion::counter(node.sync->version()) > *networkversion::counter(before));
        QCOMPARE(node.cache->loadConfig().value("hello").toInt(), 20);

        // Nothing new: a fetch happens, no changed().
        const int attempts = node.sync->fetchAttempts();
        node.sync->scheduleFetch(0);
        node.sync->scheduleFetch(0); // coalesced
        QTRY_VERIFY_WITH_TIMEOUT(!node.sync->fetchPending(), kWait);
        QCOMPARE(node.sync->fetchAttempts(), attempts + 1);
        QCOMPARE(changed.count(), 1);

        // Babel HMAC rotation (registry-protocol.md §9.5): accept key + valid_until appear.
        QVERIFY(registry.privateCall([](RegistryClient &c, RegistryClient::Callback done) { c.updateHMAC(done); }).ok());
        node.sync->scheduleFetch(0);
        QTRY_COMPARE_WITH_TIMEOUT(changed.count(), 2, kWait);
        keys = changed.at(1).at(1).toStringList();
        keys.sort();
        QCOMPARE(keys, (QStringList{"babel_hmac_accept", "valid_until", "version"}));
        const QVariantMap config = node.sync->config();
        QCOMPARE(config.value("babel_hmac_accept").toByteArray().size(), 16);
        const qint64 validUntil = qint64(config.value("valid_until").toDouble());
        QCOMPARE(validUntil, registry.clock + 3600);
        QCOMPARE(qint64(node.cache->loadConfig().value("valid_until").toDouble()), validUntil);

        // §7.4.3: valid_until passed on two consecutive checks -> one fetch.
        QVERIFY(registry.privateCall([](RegistryClient &c, RegistryClient::Callback done) { c.updateHMAC(done); }).ok());
        int before3 = node.sync->fetchAttempts();
        node.sync->periodicCheck(true, validUntil - 10); // fresh: disarms
        node.sync->periodicCheck(true, validUntil + 10); // first positive: arms only
        QCOMPARE(node.sync->fetchAttempts(), before3);
        QVERIFY(!node.sync->fetchPending());
        node.sync->periodicCheck(true, validUntil + 20); // second: fetch
        QCOMPARE(node.sync->fetchAttempts(), before3 + 1);
        QTRY_COMPARE_WITH_TIMEOUT(changed.count(), 3, kWait);
        keys = changed.at(2).at(1).toStringList();
        keys.sort();
        // Removed keys are reported too (§7.4.4): valid_until is gone.
        QCOMPARE(keys, (QStringList{"babel_hmac_accept", "babel_hmac_sign", "valid_until", "version"}));
        QVERIFY(!node.sync->config().contains("valid_until"));

        // Registry prefix not routed: same two-step rule; a positive check in between resets it.
        QTRY_VERIFY_WITH_TIMEOUT(!node.sync->fetchPending(), kWait);
        before3 = node.sync->fetchAttempts();
        node.sync->periodicCheck(false, kNow);
        node.sync->periodicCheck(true, kNow);
        node.sync->periodicCheck(false, kNow);
        QCOMPARE(node.sync->fetchAttempts(), before3);
        node.sync->periodicCheck(false, kNow);
        QCOMPARE(node.sync->fetchAttempts(), before3 + 1);
        QTRY_VERIFY_WITH_TIMEOUT(!node.sync->fetchPending(), kWait);
        QCOMPARE(changed.count(), 3);
    }

    void brokenRegistryKeepsConfig()
    {
        TestRegistry registry;
        QVERIFY(registry.startService());
        QVERIFY(registry.listen());
        TestNode node;
        QVERIFY(node.create(registry.url()));
        QCOMPARE(startAndWait(*node.sync).outcome, QStringLiteral("ready"));
        node.sync->setRefetchRetryForTests(50);
        QSignalSpy changed(node.sync.get(), &NetworkConfigSync::changed);
        QSignalSpy failed(node.sync.get(), &NetworkConfigSync::fetchFailed);
        const QVariantMap config = node.sync->config();
        const QVariantMap stored = node.cache->loadConfig();

        // 1. Unauthenticated garbage (hello signature fails).
        registry.intercept = [](const HttpRequest &, HttpFront::Responder reply) {
            reply(HttpResponse{200, "garbage", {}});
        };
        node.sync->scheduleFetch(0);
        QTRY_VERIFY_WITH_TIMEOUT(failed.count() >= 1, kWait);
        QCOMPARE(node.sync->config(), config);
        QCOMPARE(node.cache->loadConfig(), stored);

        // 2. Authenticated (valid Re6stHMAC) but not zlib; 3. valid JSON with an unsigned version.
        ForgingProxy proxy{&registry, node.identity.key, "not zlib at all", {}};
        registry.intercept = [&proxy](const HttpRequest &r, HttpFront::Responder reply) {
            proxy.handle(r, std::move(reply));
        };
        int seen = failed.count();
        QTRY_VERIFY_WITH_TIMEOUT(failed.count() > seen
                                     && failed.last().at(0).toString().contains("decode"), kWait);
        QVariantMap json = {{"hello", 4}, {"version", QByteArray("\x05unsigned").toBase64()},
                            {QString(), QStringList{"version"}}};
        proxy.forged = zlib::compress(QJsonDocument(QJsonObject::fromVariantMap(json)).toJson());
        seen = failed.count();
        QTRY_VERIFY_WITH_TIMEOUT(failed.count() > seen
                                     && failed.last().at(0).toString().contains("not signed"), kWait);
        QCOMPARE(node.sync->config(), config);
        QCOMPARE(node.cache->loadConfig(), stored);
        QCOMPARE(changed.count(), 0);

        // §7.4.2: retries (every 300 s, shortened here) until the registry works again.
        QVERIFY(node.sync->fetchPending());
        // (The proxy forwards everything but getNetworkConfig to the service.)
        QVERIFY(registry.privateCall([](RegistryClient &c, RegistryClient::Callback done) { c.updateHMAC(done); }).ok());
        QCOMPARE(changed.count(), 0);
        registry.intercept = nullptr;
        QTRY_COMPARE_WITH_TIMEOUT(changed.count(), 1, kWait);
        QVERIFY(changed.at(0).at(1).toStringList().contains("babel_hmac_accept"));
        QTRY_VERIFY_WITH_TIMEOUT(!node.sync->fetchPending(), kWait); // no more retries
    }

    void failedCheckRetriesOnlyIfAsked()
    {
        TestRegistry registry;
        QVERIFY(registry.startService());
        QVERIFY(registry.listen());
        TestNode node;
        QVERIFY(node.create(registry.url()));
        QCOMPARE(startAndWait(*node.sync).outcome, QStringLiteral("ready"));
        node.sync->setRefetchRetryForTests(50);
        QSignalSpy failed(node.sync.get(), &NetworkConfigSync::fetchFailed);
        QSignalSpy changed(node.sync.get(), &NetworkConfigSync::changed);
        const quint16 port = registry.port;
        registry.down();

        // §7.4.3: the check fetches once, no retry.
        node.sync->periodicCheck(false, kNow);
        node.sync->periodicCheck(false, kNow);
        QVERIFY(node.sync->fetchPending());
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kWait);
        QVERIFY(!node.sync->fetchPending());

        // A newer version announced (§7.4.2) while a check runs: its failure is retried.
        node.sync->periodicCheck(false, kNow);
        const int attempts = node.sync->fetchAttempts();
        node.sync->scheduleFetch(0);
        QCOMPARE(node.sync->fetchAttempts(), attempts); // coalesced with the running check
        QTRY_VERIFY_WITH_TIMEOUT(failed.count() >= 3, kWait);
        QVERIFY(node.sync->fetchPending());
        QVERIFY(registry.listen(port));
        QVERIFY(registry.privateCall([](RegistryClient &c, RegistryClient::Callback done) { c.updateHMAC(done); }).ok());
        QTRY_COMPARE_WITH_TIMEOUT(changed.count(), 1, kWait);
        QTRY_VERIFY_WITH_TIMEOUT(!node.sync->fetchPending(), kWait);
    }

    void renewalNearExpiry()
    {
        TestRegistry registry;
        TestNode node;
        const auto original = *crypto::Certificate::fromPem(readVector("crypto/node-1-16.crt"));
        // 10 days before notAfter: the certificate and the CA (same notAfter) are due (§8).
        registry.clock = node.clock = original.notAfter() - 10 * 86400;
        QVERIFY(registry.startService());
        QVERIFY(registry.listen());
        // Group-writable: a umask would strip it, so this checks the mode is copied.
        QVERIFY(QFile::setPermissions(node.certPath(), QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup
                                                           | QFile::WriteGroup));
        QVERIFY(node.create(registry.url()));
        QSignalSpy ready(node.sync.get(), &NetworkConfigSync::ready);
        const StartResult r = startAndWait(*node.sync);
        QCOMPARE(r.outcome, QStringLiteral("renewed"));
        QCOMPARE(ready.count(), 0);

        const auto renewed = crypto::Certificate::fromPem(readFile(node.certPath()));
        QVERIFY(renewed);
        QCOMPARE(renewed->commonName(), original.commonName());
        QVERIFY(renewed->serialDecimal() != original.serialDecimal());
        QCOMPARE(renewed->notAfter(), node.clock + 365 * 86400);
        QVERIFY(renewed->isSignedBy(caKey()));
        QVERIFY(renewed->publicKey().samePublicKey(node.identity.key));
        QVERIFY(!QFileInfo::exists(node.certPath() + ".new"));
        struct stat st {};
        QCOMPARE(::stat(QFile::encodeName(node.certPath()).constData(), &st), 0);
        QCOMPARE(int(st.st_mode & 07777), 0660); // mode of the replaced file kept
        // getCa gave the same CA: not renewed, retried tomorrow.
        QCOMPARE(readFile(node.caPath()), readVector("crypto/ca.crt"));
        QCOMPARE(node.sync->nextRenewal(), node.clock + 86400);

        // Re-exec with the new certificate: ready, the CA still retried daily.
        QVERIFY(node.create(registry.url()));
        const StartResult again = startAndWait(*node.sync);
        QCOMPARE(again.outcome, QStringLiteral("ready"));
        QCOMPARE(node.sync->nextRenewal(), node.clock + 86400);
        QCOMPARE(readFile(node.certPath()), renewed->toPem());

        // Registry down, cached config valid, certificate due: start anyway, retry tomorrow (§7.7).
        QVERIFY(writeFile(node.certPath(), original.toPem()));
        registry.down();
        QVERIFY(node.create(registry.url()));
        QSignalSpy failed(node.sync.get(), &NetworkConfigSync::fetchFailed);
        const StartResult down = startAndWait(*node.sync);
        QCOMPARE(down.outcome, QStringLiteral("ready"));
        QCOMPARE(node.sync->fetchAttempts(), 0);
        QCOMPARE(failed.count(), 0);
        QCOMPARE(node.sync->nextRenewal(), node.clock + 86400);
        QCOMPARE(readFile(node.certPath()), original.toPem());
    }

    // Audit H3: a renewal answered after cert.crt was replaced (an Enroll over D-Bus
    // installing a new identity) keeps the new file instead of writing a
    // certificate for the old key over it.
    void renewalKeepsAReplacedCertificate()
    {
        TestRegistry registry;
        TestNode node;
        const auto original = *crypto::Certificate::fromPem(readVector("crypto/node-1-16.crt"));
        registry.clock = node.clock = original.notAfter() - 10 * 86400; // due (§8)
        QVERIFY(registry.startService());
        QVERIFY(registry.listen());
        QVERIFY(node.create(registry.url()));
        const QByteArray replacement = readVector("crypto/node-0-16.crt");
        QVERIFY(writeFile(node.certPath(), replacement)); // after the identity was loaded
        const StartResult r = startAndWait(*node.sync);
        QCOMPARE(r.outcome, QStringLiteral("ready"));
        QCOMPARE(readFile(node.certPath()), replacement);
        QCOMPARE(node.sync->nextRenewal(), node.clock + 86400); // retried tomorrow
    }

    void revokedCertificateRenewed()
    {
        TestRegistry registry;
        QVERIFY(registry.startService());
        QVERIFY(registry.listen());
        TestNode node;
        const auto original = *crypto::Certificate::fromPem(readVector("crypto/node-1-16.crt"));
        QVERIFY(registry.privateCall([&](RegistryClient &c, RegistryClient::Callback done) {
            c.revoke(QString::fromLatin1(original.serialDecimal()), done);
        }).ok());
        QVERIFY(node.create(registry.url()));
        // The fetched CRL lists our serial: renewCertificate gives a new serial, same notAfter (§8.1).
        const StartResult r = startAndWait(*node.sync);
        QCOMPARE(r.outcome, QStringLiteral("renewed"));
        const auto renewed = crypto::Certificate::fromPem(readFile(node.certPath()));
        QVERIFY(renewed);
        QVERIFY(renewed->serialDecimal() != original.serialDecimal());
        QCOMPARE(renewed->notAfter(), original.notAfter());
        QVERIFY(node.cache->crl().contains(original.serialDecimal().toLongLong()));
        QVERIFY(node.create(registry.url()));
        QCOMPARE(startAndWait(*node.sync).outcome, QStringLiteral("ready"));
    }

    void tooOldProtocolIsFatal()
    {
        TestRegistry registry;
        RegistryOptions options;
        options.minProtocol = 11;
        QVERIFY(registry.startService(options));
        QVERIFY(registry.listen());
        TestNode node;
        QVERIFY(node.create(registry.url()));
        const StartResult r = startAndWait(*node.sync);
        QCOMPARE(r.outcome, QStringLiteral("fatal"));
        QVERIFY(r.message.contains("upgrade"));
    }

    // Audit F11: a symlink planted at the old, predictable temp name (<path>.new) must not
    // redirect the write: the victim stays untouched, the new certificate is in place with
    // the old mode, and a group-writable directory is warned about (not refused).
    void renewalIgnoresPlantedSymlink()
    {
        TestRegistry registry;
        TestNode node;
        const auto original = *crypto::Certificate::fromPem(readVector("crypto/node-1-16.crt"));
        registry.clock = node.clock = original.notAfter() - 10 * 86400;
        QVERIFY(registry.startService());
        QVERIFY(registry.listen());
        QVERIFY(QFile::setPermissions(node.certPath(), QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup
                                                           | QFile::WriteGroup));
        QTemporaryDir elsewhere;
        QVERIFY(elsewhere.isValid());
        const QString victim = elsewhere.filePath("shadow");
        const QByteArray victimText = "root:*:19000:0:99999:7:::\n";
        QVERIFY(writeFile(victim, victimText));
        QVERIFY(QFile::setPermissions(victim, QFile::ReadOwner | QFile::WriteOwner));
        const QString planted = node.certPath() + ".new";
        QCOMPARE(::symlink(QFile::encodeName(victim).constData(), QFile::encodeName(planted).constData()), 0);
        QVERIFY(::chmod(QFile::encodeName(node.dir.path()).constData(), 0770) == 0);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression("is writable by its group.*chmod go-w"));

        QVERIFY(node.create(registry.url()));
        const StartResult r = startAndWait(*node.sync);
        QCOMPARE(r.outcome, QStringLiteral("renewed"));

        // The victim is untouched: same content, same mode; the planted link is left as it was.
        QCOMPARE(readFile(victim), victimText);
        struct stat st {};
        QCOMPARE(::stat(QFile::encodeName(victim).constData(), &st), 0);
        QCOMPARE(int(st.st_mode & 07777), 0600);
        QVERIFY(QFileInfo(planted).isSymLink());
        QCOMPARE(QFileInfo(planted).symLinkTarget(), victim);
        // The new certificate is in place, a regular file with the old mode.
        const auto renewed = crypto::Certificate::fromPem(readFile(node.certPath()));
        QVERIFY(renewed);
        QVERIFY(renewed->serialDecimal() != original.serialDecimal());
        QCOMPARE(::lstat(QFile::encodeName(node.certPath()).constData(), &st), 0);
        QVERIFY(S_ISREG(st.st_mode));
        QCOMPARE(int(st.st_mode & 07777), 0660);
        // No temp file left behind.
        const QStringList left = QDir(node.dir.path()).entryList({"*.tmp"}, QDir::AllEntries | QDir::Hidden);
        QVERIFY2(left.isEmpty(), qPrintable(left.join(' ')));
        QVERIFY(::chmod(QFile::encodeName(node.dir.path()).constData(), 0700) == 0);
    }

    void dhFetchedIntoState()
    {
        TestRegistry registry;
        QVERIFY(registry.startService());
        QVERIFY(registry.listen());
        int dhRequests = 0;
        registry.intercept = [&](const HttpRequest &request, HttpFront::Responder reply) {
            // The first two getDh requests fail: the node retries with back-off.
            if (request.target.startsWith("/getDh") && ++dhRequests <= 2)
                return reply(HttpResponse::error(500, "not yet"));
            registry.service->handle(request, std::move(reply));
        };
        TestNode node;
        QVERIFY(node.create(registry.url()));
        std::optional<QString> path;
        node.sync->ensureDh([&path](const QString &p) { path = p; });
        QTRY_VERIFY_WITH_TIMEOUT(path.has_value(), kWait);
        QVERIFY(dhRequests >= 3);
        QCOMPARE(*path, node.stateDir() + "/dh.pem");
        QCOMPARE(node.sync->dhStatePath(), *path);
        QCOMPARE(readFile(*path), readVector("crypto/dh2048.pem"));
        QVERIFY(!QFileInfo::exists(*path + ".new"));

        // Present: no registry needed.
        registry.down();
        std::optional<QString> again;
        node.sync->ensureDh([&again](const QString &p) { again = p; });
        QTRY_VERIFY_WITH_TIMEOUT(again.has_value(), kWait);
        QCOMPARE(*again, *path);

        // --dh given: used as is, nothing fetched.
        node.dhPath = node.dir.filePath("given-dh.pem");
        QVERIFY(node.create(registry.url()));
        std::optional<QString> given;
        node.sync->ensureDh([&given](const QString &p) { given = p; });
        QTRY_VERIFY_WITH_TIMEOUT(given.has_value(), kWait);
        QCOMPARE(*given, node.dhPath);
    }
};

QTEST_GUILESS_MAIN(tst_NetworkConfigSync)
#include "tst_networkconfigsync.moc"
