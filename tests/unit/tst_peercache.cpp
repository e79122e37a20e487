// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/PeerPayload.h"
#include "daemon/PeerCache.h"

#include <QElapsedTimer>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QTest>

using re6st::daemon::PeerCache;

namespace {

// node-protocol.md §7.1, typed here independently of the implementation.
const QString kPeerSql = "CREATE TABLE peer (\n  prefix TEXT PRIMARY KEY NOT NULL,\n  address TEXT NOT NULL)";
const QString kConfigSql = "CREATE TABLE config (\n  name TEXT PRIMARY KEY NOT NULL,\n  value)";

// Rows of `sql` from a separate connection (what another process would see).
QList<QStringList> rows(const QString &path, const QString &sql)
{
    QList<QStringList> out;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase("QSQLITE", "inspect");
        db.setDatabaseName(path);
        if (db.open()) {
            QSqlQuery q(db);
            if (q.exec(sql))
                while (q.next()) {
                    QStringList row;
                    for (int i = 0; i < q.record().count(); ++i) row += q.value(i).toString();
                    out += row;
                }
        }
        db.close();
    }
    QSqlDatabase::removeDatabase("inspect");
    return out;
}

} // namespace

class tst_PeerCache final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString path() const { return m_dir.filePath("cache.db"); }
    std::unique_ptr<PeerCache> open(const QByteArray &own = "0000000000000001")
    {
        QString error;
        auto cache = PeerCache::open(path(), own, &error);
        if (!cache) qWarning("%s", qPrintable(error));
        return cache;
    }

private Q_SLOTS:
    void init()
    {
        QFile::remove(path());
        QFile::remove(path() + ".bak");
    }

    void schemaIsByteExact()
    {
        {
            auto cache = open();
            QVERIFY(cache);
            QVERIFY(cache->connectionName().startsWith("re6st-peercache-"));
            // Volatile table lives in the connection, not in the file.
            QSqlQuery q(QSqlDatabase::database(cache->connectionName()));
            QVERIFY(q.exec("SELECT sql FROM volatile.sqlite_master WHERE name = 'stat'"));
            QVERIFY(q.next());
            QVERIFY(q.value(0).toString().contains("try INTEGER NOT NULL DEFAULT 0"));
            QVERIFY(q.exec("SELECT sql FROM volatile.sqlite_master WHERE name = 'stat_try'"));
            QVERIFY(q.next());
            QCOMPARE(q.value(0).toString(), "CREATE INDEX stat_try ON stat(try)");
            QVERIFY(q.exec("PRAGMA journal_mode"));
            QVERIFY(q.next());
            QCOMPARE(q.value(0).toString(), "memory");
        }
        const auto master = rows(path(), "SELECT type, name, sql FROM sqlite_master ORDER BY name");
        const QList<QStringList> expected{{"table", "config", kConfigSql},
                                          {"table", "peer", kPeerSql},
                                          {"index", "sqlite_autoindex_config_1", ""},
                                          {"index", "sqlite_autoindex_peer_1", ""}};
        QCOMPARE(master, expected);
        QCOMPARE(QString::fromLatin1(PeerCache::kPeerTableSql), kPeerSql);
        QCOMPARE(QString::fromLatin1(PeerCache::kConfigTableSql), kConfigSql);
        // Reopening an upstream-layout file keeps it (and its rows).
        {
            auto cache = open();
            QVERIFY(cache);
            QVERIFY(cache->addPeer("0000000000000010", "192.0.2.2,1194,tcp"));
        }
        auto again = open();
        QVERIFY(again);
        QCOMPARE(again->getAddress("0000000000000010"), "192.0.2.2,1194,tcp");
        QVERIFY(!QFile::exists(path() + ".bak"));
    }

    void otherLayoutIsSetAside()
    {
        {
            QSqlDatabase db = QSqlDatabase::addDatabase("QSQLITE", "old");
            db.setDatabaseName(path());
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec("CREATE TABLE peer (prefix TEXT PRIMARY KEY, address TEXT)"));
            QVERIFY(q.exec("INSERT INTO peer VALUES ('01', 'x')"));
            db.close();
        }
        QSqlDatabase::removeDatabase("old");
        auto cache = open();
        QVERIFY(cache);
        QVERIFY(QFile::exists(path() + ".bak"));
        QCOMPARE(cache->peerCount(), 0);
        QCOMPARE(rows(path(), "SELECT sql FROM sqlite_master WHERE name = 'peer'"), QList<QStringList>{{kPeerSql}});
        cache.reset();
        // Not an SQLite file at all.
        init();
        QFile f(path());
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(4096, 'x'));
        f.close();
        cache = open();
        QVERIFY(cache);
        QVERIFY(QFile::exists(path() + ".bak"));
    }

    void unwritableDirectory()
    {
        QString error;
        const auto cache = PeerCache::open("/nonexistent-dir/cache.db", "", &error);
        QVERIFY(!cache);
        QVERIFY2(error.contains("--state"), qPrintable(error));
    }

    void peerOperations()
    {
        auto cache = open("0000000000000001");
        QVERIFY(cache);
        QVERIFY(cache->addPeer("0000000000000010", "192.0.2.2,1194,tcp"));
        QVERIFY(cache->addPeer("0000000000000011", "192.0.2.3,1194,tcp"));
        QVERIFY(cache->addPeer("0000000000000001", "192.0.2.1,1194,tcp")); // ourselves: never listed
        QCOMPARE(cache->peerCount(), 3);
        QCOMPARE(cache->getAddress("0000000000000010"), "192.0.2.2,1194,tcp");
        QCOMPARE(cache->getAddress("0000000000000111"), std::nullopt);
        auto list = cache->getPeerList(0);
        std::sort(list.begin(), list.end());
        QCOMPARE(list, (QList<std::pair<QByteArray, QString>>{{"0000000000000010", "192.0.2.2,1194,tcp"},
                                                               {"0000000000000011", "192.0.2.3,1194,tcp"}}));
        // connecting(prefix, 1): failed; no address until re-added.
        cache->connecting("0000000000000010", 1);
        QCOMPARE(cache->getAddress("0000000000000010"), std::nullopt);
        QCOMPARE(cache->getPeerList(1), (QList<std::pair<QByteArray, QString>>{{"0000000000000010", "192.0.2.2,1194,tcp"}}));
        QCOMPARE(cache->getPeerList(0).size(), 1);
        QVERIFY(cache->addPeer("0000000000000010", "192.0.2.2,1194,tcp"));
        QCOMPARE(cache->getAddress("0000000000000010"), "192.0.2.2,1194,tcp");

        // Own advertised address (prefix ''), not a peer.
        cache->setOwnAddress("198.51.100.1,1194,tcp,FR");
        QCOMPARE(cache->ownAddress(), "198.51.100.1,1194,tcp,FR");
        QCOMPARE(cache->peerCount(), 3);
        QCOMPARE(rows(path(), "SELECT address FROM peer WHERE prefix = ''"),
                 QList<QStringList>{{"198.51.100.1,1194,tcp,FR"}});
    }

    void addressMerging()
    {
        auto cache = open();
        QVERIFY(cache);
        const QByteArray p = "0000000000000100";
        // a..d: 192.0.2.1..4 (entries must be IP literals).
        QVERIFY(cache->addPeer(p, "192.0.2.1,1,tcp;192.0.2.2,1,tcp"));
        // Known addresses keep their order first, new ones after, unknown old ones dropped.
        QVERIFY(cache->addPeer(p, "192.0.2.3,1,tcp;192.0.2.2,1,tcp;192.0.2.1,1,tcp"));
        QCOMPARE(cache->getAddress(p), "192.0.2.1,1,tcp;192.0.2.2,1,tcp;192.0.2.3,1,tcp");
        QVERIFY(cache->addPeer(p, "192.0.2.4,1,tcp;192.0.2.2,1,tcp"));
        QCOMPARE(cache->getAddress(p), "192.0.2.2,1,tcp;192.0.2.4,1,tcp");
        // set_preferred: the given (successful) address first, the others kept.
        QVERIFY(cache->addPeer(p, "192.0.2.4,1,tcp", true));
        QCOMPARE(cache->getAddress(p), "192.0.2.4,1,tcp;192.0.2.2,1,tcp");
        cache->connecting(p, 1);
        QVERIFY(cache->addPeer(p, "192.0.2.4,1,tcp;192.0.2.2,1,tcp")); // unchanged text still resets try
        QCOMPARE(cache->getAddress(p), "192.0.2.4,1,tcp;192.0.2.2,1,tcp");
    }

    // Only well-formed entries are stored, re-serialised; a list without any changes nothing.
    void malformedEntriesDropped()
    {
        auto cache = open();
        QVERIFY(cache);
        const QByteArray p = "0000000000000101";
        const QString given = "re6st.example.com,1194,tcp;"   // kept: a host name (§5.10 resolves them)
                              "bad_name!,1194,tcp;"           // neither an IP nor a host name
                              "192.0.2.1,1194,tcp;"           // kept
                              "192.0.2.2,x,tcp;"              // port not a number
                              "192.0.2.3,0,tcp;"              // port 0
                              "192.0.2.4,70000,tcp;"          // port out of range
                              "192.0.2.5,1194,sctp;"          // unknown protocol
                              "192.0.2.6,1194;"               // two fields
                              "fe80::1%eth0,1194,tcp6;"       // scoped
                              "224.0.0.1,1194,udp;"           // multicast
                              "0.0.0.0,1194,tcp;::,1194,tcp6;" // unspecified
                              "2001:DB8::7,1194,tcp6,FR;"     // kept, canonical form
                              "192.0.2.8,1194,tcp,F\x1bR\n;" // country with control characters
                              "192.0.2.1,1194,tcp;"           // duplicate
                              ";;198.51.100.9,1194,udp6,,";   // five fields
        QVERIFY(cache->addPeer(p, given));
        const QString kept = "re6st.example.com,1194,tcp;192.0.2.1,1194,tcp;2001:db8::7,1194,tcp6,FR";
        QCOMPARE(cache->getAddress(p), kept);
        QCOMPARE(rows(path(), "SELECT address FROM peer WHERE prefix = '0000000000000101'"), QList<QStringList>{{kept}});

        // Nothing usable: refused, and neither the row nor `try` changes.
        cache->connecting(p, 1);
        QVERIFY(!cache->addPeer(p, "bad_name!,1194,tcp;192.0.2.3,0,tcp"));
        QCOMPARE(cache->getAddress(p), std::nullopt);
        QCOMPARE(cache->getPeerList(1).size(), 1);
        QVERIFY(!cache->addPeer("0000000000000110", "garbage"));
        QCOMPARE(cache->peerCount(), 1);
    }

    // Rows written before addresses were bounded (audit F2: up to 64 KB each, read at
    // every tunnel refresh) are cut at open; rows without a usable entry go.
    void oldRowsNormalisedAtOpen()
    {
        QStringList many;
        for (int i = 0; i < 10000; ++i) many += QStringLiteral("10.0.%1.%2,1194,tcp").arg(i / 250).arg(i % 250 + 1);
        {
            auto cache = open();
            QVERIFY(cache);
            QSqlQuery q(QSqlDatabase::database(cache->connectionName()));
            QVERIFY(q.prepare("INSERT INTO peer VALUES (?, ?)"));
            const QList<std::pair<QString, QString>> inserted{{"0000000000001000", many.join(';')},
                                                          {"0000000000001001", "bad_name!,1194,tcp"},
                                                          {"0000000000001010", "192.0.2.1,1194,tcp"}};
            for (const auto &[prefix, address] : inserted) {
                q.addBindValue(prefix);
                q.addBindValue(address);
                QVERIFY(q.exec());
            }
        }
        auto cache = open();
        QVERIFY(cache);
        QCOMPARE(cache->peerCount(), 2);
        QCOMPARE(cache->getAddress("0000000000001000"), many.mid(0, re6st::PeerAddress::kMaxListEntries).join(';'));
        QCOMPARE(cache->getAddress("0000000000001010"), "192.0.2.1,1194,tcp");
        QCOMPARE(rows(path(), "SELECT COUNT(*) FROM peer WHERE prefix = '0000000000001001'"), QList<QStringList>{{"0"}});
    }

    // node-protocol.md §7.2 merge of two long disjoint lists (audit F2: it used to take
    // ~1.5 s of event loop per 65 KB list): bounded and linear. Not a benchmark: a bound
    // 30 times above what it takes, far below the quadratic merge.
    void longListsBounded()
    {
        auto cache = open();
        QVERIFY(cache);
        auto list = [](int base) {
            QStringList entries;
            for (int i = 0; i < 10000; ++i)
                entries += QStringLiteral("10.%1.%2.%3,1194,tcp").arg(base).arg(i / 250).arg(i % 250 + 1);
            return entries.join(';');
        };
        const QString a = list(1), b = list(2);
        const QByteArray p = "0000000000000111";
        QElapsedTimer timer;
        timer.start();
        QVERIFY(cache->addPeer(p, a));
        QVERIFY(cache->addPeer(p, b));
        QVERIFY(cache->addPeer(p, a, true));
        const qint64 elapsed = timer.elapsed();
        QVERIFY2(elapsed < 50, qPrintable(QStringLiteral("%1 ms").arg(elapsed)));
        const QString stored = *cache->getAddress(p);
        QVERIFY(stored.size() <= re6st::PeerAddress::kMaxListBytes);
        const QStringList entries = stored.split(';');
        QCOMPARE(entries.size(), re6st::PeerAddress::kMaxListEntries);
        QCOMPARE(entries.first(), "10.1.0.1,1194,tcp"); // the preferred list's first entries
        QVERIFY(!stored.contains("10.2."));
    }

    void trimmingDropsFailedPeersFirst()
    {
        auto cache = open("");
        QVERIFY(cache);
        auto bits = [](int i) { return QByteArray::number(i, 2).rightJustified(16, '0'); };
        for (int i = 1; i <= PeerCache::kMaxPeers; ++i)
            QVERIFY(cache->addPeer(bits(i), QStringLiteral("192.0.2.%1,1194,tcp").arg(i % 250)));
        QCOMPARE(cache->peerCount(), PeerCache::kMaxPeers);
        for (int i = 1; i <= 5; ++i) cache->connecting(bits(i), 1);
        // §7.2: each new peer first trims the cache to 200 rows (failed ones go first).
        for (int i = 1001; i <= 1005; ++i) QVERIFY(cache->addPeer(bits(i), "198.51.100.9,1194,tcp"));
        QCOMPARE(cache->peerCount(), PeerCache::kMaxPeers + 1);
        // 4 trims removed 4 of the 5 failed peers, none of the working ones.
        QCOMPARE(cache->getPeerList(1).size(), 1);
        QCOMPARE(cache->getPeerList(0).size(), PeerCache::kMaxPeers);
        for (int i = 6; i <= PeerCache::kMaxPeers; ++i) QVERIFY(cache->getAddress(bits(i)));
        for (int i = 1001; i <= 1005; ++i) QVERIFY(cache->getAddress(bits(i)));
    }

    void keepPeersAtExit()
    {
        {
            auto cache = open();
            QVERIFY(cache);
            cache->setOwnAddress("198.51.100.1,1194,tcp");
            for (int i = 0; i < 20; ++i)
                QVERIFY(cache->addPeer(QByteArray::number(i + 16, 2), QStringLiteral("192.0.2.%1,1194,tcp").arg(i)));
            cache->connecting(QByteArray::number(16, 2), 2);
            cache->keepPeers(3);
            QCOMPARE(cache->peerCount(), 3);
            QCOMPARE(cache->getPeerList(2).size(), 0); // the failed one went first
            QCOMPARE(cache->ownAddress(), "198.51.100.1,1194,tcp");
        }
        // Restart: the few kept peers are usable again (try = 0).
        auto cache = open();
        QVERIFY(cache);
        QCOMPARE(cache->getPeerList(0).size(), 3);
        QCOMPARE(cache->ownAddress(), "198.51.100.1,1194,tcp");
    }

    void networkParameters()
    {
        auto cache = open();
        QVERIFY(cache);
        QVariantMap config{{"version", QByteArray("\x00\x00\x00\x05sig", 7)},
                           {"protocol", 10},
                           {"hello", 15},
                           {"encrypt", false},
                           {"babel_default", "max-rtt-penalty 5000 rtt-max 500 rtt-decay 125"},
                           {"registry_prefix", "0000000000000000"},
                           {"crl", QVariantList{3, 7}},
                           {"same_country", QVariantList{"FR"}},
                           {"babel_hmac_sign", QByteArray(16, '\x01')},
                           {"babel_hmac_accept", QByteArray("")},
                           {"valid_until", 1718000000.25},
                           {"delay_restart", 5}};
        auto changed = cache->storeConfig(config);
        QVERIFY2(changed, qPrintable(cache->lastError()));
        QCOMPARE(changed->size(), config.size() - 1); // everything new but delay_restart
        QVERIFY(!changed->contains("delay_restart"));

        // Raw rows as upstream stores them (§7.1).
        const auto raw = rows(path(), "SELECT name, typeof(value), CAST(value AS TEXT) FROM config ORDER BY name");
        const QList<QStringList> expected{
            {"babel_default", "text", "max-rtt-penalty 5000 rtt-max 500 rtt-decay 125"},
            {"babel_hmac_accept", "blob", ""},
            {"babel_hmac_sign", "blob", QString(16, QChar(1))},
            {"crl:json", "text", "[3, 7]"},
            {"encrypt", "integer", "0"},
            {"hello", "integer", "15"},
            {"protocol", "integer", "10"},
            {"registry_prefix", "text", "0000000000000000"},
            {"same_country:json", "text", "[\"FR\"]"},
            {"valid_until", "real", "1718000000.25"},
            {"version", "blob", QString::fromLatin1("\x00\x00\x00\x05sig", 7)},
        };
        QCOMPARE(raw, expected);

        const QVariantMap loaded = cache->loadConfig();
        QCOMPARE(loaded.value("crl").toList(), (QVariantList{3, 7}));
        QCOMPARE(loaded.value("same_country").toList(), QVariantList{"FR"});
        QCOMPARE(loaded.value("valid_until").toDouble(), 1718000000.25); // registry-protocol.md §9.2 fix
        QCOMPARE(loaded.value("version").toByteArray(), QByteArray("\x00\x00\x00\x05sig", 7));
        QCOMPARE(loaded.value("hello").toInt(), 15);
        QVERIFY(!loaded.value("encrypt").toBool());
        QVERIFY(!loaded.contains("delay_restart"));
        QCOMPARE(cache->crl(), (QSet<qint64>{3, 7}));

        // Same values again: nothing changed (False == 0, 15.0 == 15 as in Python).
        config["hello"] = 15.0;
        changed = cache->storeConfig(config);
        QVERIFY(changed);
        QCOMPARE(*changed, QStringList());
        // A changed value and a removed key are both reported; the table is replaced.
        config["hello"] = 4;
        config.remove("valid_until");
        changed = cache->storeConfig(config);
        QVERIFY(changed);
        QCOMPARE(*changed, (QStringList{"hello", "valid_until"}));
        QVERIFY(!cache->loadConfig().contains("valid_until"));
        QCOMPARE(rows(path(), "SELECT COUNT(*) FROM config"), QList<QStringList>{{"10"}});
    }

    void legacyCrl()
    {
        auto cache = open();
        QVERIFY(cache);
        QSqlQuery q(QSqlDatabase::database(cache->connectionName()));
        QVERIFY(q.exec("INSERT INTO config VALUES ('crl', '[1, 2, 9]')"));
        QCOMPARE(cache->crl(), (QSet<qint64>{1, 2, 9}));
    }
};

QTEST_GUILESS_MAIN(tst_PeerCache)
#include "tst_peercache.moc"
