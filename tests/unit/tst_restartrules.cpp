// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/RestartRules.h"

#include <QTest>

using re6st::daemon::RestartRules;

namespace {

QVariantMap baseConfig()
{
    return {{"babel_default", "max-rtt-penalty 5000 rtt-max 500 rtt-decay 125"},
            {"babel_hmac_sign", QByteArray(16, 'k')},
            {"crl", QVariantList{3}},
            {"protocol", 10},
            {"min_protocol", 1},
            {"registry_prefix", "0000000000000000"},
            {"client_count", 10},
            {"max_clients", 20},
            {"encrypt", false},
            {"hello", 15},
            {"tunnel_refresh", 300},
            {"version", QByteArray("v1")}};
}

} // namespace

class tst_RestartRules final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // node-protocol.md §7.5 / registry-protocol.md §9.2, one row per key.
    void changedKey_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QVariant>("value"); // invalid = key removed
        QTest::addColumn<bool>("fullNode");  // restart with client tunnels
        QTest::addColumn<bool>("serveOnly"); // restart without client tunnels
        QTest::newRow("babel_default") << "babel_default" << QVariant("rtt-max 600") << true << true;
        QTest::newRow("babel_hmac_accept new") << "babel_hmac_accept" << QVariant(QByteArray(16, 'n')) << true << true;
        QTest::newRow("babel_hmac_accept empty") << "babel_hmac_accept" << QVariant(QByteArray("")) << true << true;
        QTest::newRow("babel_hmac_sign") << "babel_hmac_sign" << QVariant(QByteArray(16, 'n')) << true << true;
        QTest::newRow("babel_hmac_sign removed") << "babel_hmac_sign" << QVariant() << true << true;
        QTest::newRow("encrypt") << "encrypt" << QVariant(true) << true << true;
        QTest::newRow("hello") << "hello" << QVariant(4) << true << true;
        QTest::newRow("ipv4") << "ipv4" << QVariant("10.42.0.0/16") << true << true;
        QTest::newRow("ipv4_sublen") << "ipv4_sublen" << QVariant(8) << true << true;
        QTest::newRow("client_count") << "client_count" << QVariant(2) << true << false;
        QTest::newRow("max_clients") << "max_clients" << QVariant(4) << true << false;
        QTest::newRow("same_country") << "same_country" << QVariant(QVariantList{"FR"}) << true << false;
        QTest::newRow("tunnel_refresh") << "tunnel_refresh" << QVariant(600) << true << false;
        QTest::newRow("version") << "version" << QVariant(QByteArray("v2")) << false << false;
        QTest::newRow("protocol") << "protocol" << QVariant(11) << false << false;
        QTest::newRow("registry_prefix") << "registry_prefix" << QVariant("0000000000000001") << false << false;
        QTest::newRow("crl") << "crl" << QVariant(QVariantList{3, 4}) << false << false;
        QTest::newRow("valid_until") << "valid_until" << QVariant(1718000000.25) << false << false;
        QTest::newRow("unknown key") << "future_key" << QVariant(1) << false << false;
        QTest::newRow("same hello as float") << "hello" << QVariant(15.0) << false << false;
        QTest::newRow("same encrypt as int") << "encrypt" << QVariant(0) << false << false;
    }

    void changedKey()
    {
        QFETCH(QString, key);
        QFETCH(QVariant, value);
        QFETCH(bool, fullNode);
        QFETCH(bool, serveOnly);
        const QVariantMap old = baseConfig();
        QVariantMap updated = old;
        if (value.isValid()) updated[key] = value;
        else updated.remove(key);
        RestartRules::Context full;
        const auto a = RestartRules::decide(old, updated, full);
        QCOMPARE(a.restart, fullNode);
        if (a.restart) {
            QCOMPARE(a.delayMs, 1000);
            QVERIFY2(a.reasons.join(' ').contains(key), qPrintable(a.reasons.join(' ')));
        }
        RestartRules::Context serve;
        serve.hasClientTunnels = false;
        QCOMPARE(RestartRules::decide(old, updated, serve).restart, serveOnly);
    }

    void changedKeys()
    {
        QVariantMap updated = baseConfig();
        updated["hello"] = 4;
        updated.remove("tunnel_refresh");
        updated["same_country"] = QVariantList{"FR"};
        updated["delay_restart"] = 3; // popped, never a change by itself
        QCOMPARE(RestartRules::changedKeys(baseConfig(), updated),
                 (QStringList{"hello", "same_country", "tunnel_refresh"}));
        QCOMPARE(RestartRules::changedKeys(baseConfig(), baseConfig()), QStringList());
        QVERIFY(!RestartRules::sameValue(QByteArray("a"), QString("a"))); // bytes != str
        QVERIFY(RestartRules::sameValue(true, 1));
        QVERIFY(!RestartRules::sameValue(QVariantList{3, 7}, QVariantList{7, 3}));
    }

    void delayRestart()
    {
        QVariantMap updated = baseConfig();
        updated["hello"] = 4;
        updated["delay_restart"] = 30;
        const auto d = RestartRules::decide(baseConfig(), updated, {});
        QVERIFY(d.restart);
        QCOMPARE(d.delayMs, 31000);
    }

    void minProtocol()
    {
        QVariantMap updated = baseConfig();
        updated["min_protocol"] = 11;
        auto d = RestartRules::decide(baseConfig(), updated, {});
        QVERIFY(d.restart);
        QVERIFY(d.reasons.join(' ').contains("min_protocol"));
        updated["min_protocol"] = 10; // equal to ours: fine
        QVERIFY(!RestartRules::decide(baseConfig(), updated, {}).restart);
        RestartRules::Context old;
        old.protocol = 9;
        QVERIFY(RestartRules::decide(baseConfig(), updated, old).restart);
    }

    void revocations()
    {
        QVariantMap updated = baseConfig();
        updated["crl"] = QVariantList{3, 5, 8};
        RestartRules::Context c;
        c.servedSerials = {4, 6};
        c.serverSerials = {8, 9};
        auto d = RestartRules::decide(baseConfig(), updated, c);
        QVERIFY(!d.restart); // a revoked server only loses its client tunnel
        QCOMPARE(d.revokedServers, QList<qint64>{8});
        c.servedSerials = {5};
        d = RestartRules::decide(baseConfig(), updated, c);
        QVERIFY(d.restart); // one of our clients is revoked
        QVERIFY(d.reasons.join(' ').contains("5"));
    }
};

QTEST_GUILESS_MAIN(tst_RestartRules)
#include "tst_restartrules.moc"
