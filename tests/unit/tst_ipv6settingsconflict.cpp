// SPDX-License-Identifier: GPL-2.0-or-later
// Ipv6SettingsConflict: which NetworkManager connections conflict with re6st, and the
// settings FixConflict hands to NetworkManager (dbus/org.re6st.HostNetwork1.xml).
#include "core/Ipv6SettingsConflict.h"

#include <QtTest>

using re6st::Ipv6SettingsConflict;
using Settings = Ipv6SettingsConflict::Settings;

namespace {
// What GetSettings returns for `nmcli connection add type ethernet ifname eth1` (NM 1.42).
Settings ethernet(const QString &method = QStringLiteral("auto"))
{
    Settings s;
    s[QStringLiteral("connection")] = {{QStringLiteral("id"), QStringLiteral("Wired 1")},
                                       {QStringLiteral("uuid"), QStringLiteral("0e1f1938-217a-4d19-8738-a59499c288cb")},
                                       {QStringLiteral("type"), QStringLiteral("802-3-ethernet")},
                                       {QStringLiteral("interface-name"), QStringLiteral("eth1")}};
    s[QStringLiteral("802-3-ethernet")] = {{QStringLiteral("auto-negotiate"), false}};
    s[QStringLiteral("ipv4")] = {{QStringLiteral("method"), QStringLiteral("auto")}};
    s[QStringLiteral("ipv6")] = {{QStringLiteral("method"), method},
                                 {QStringLiteral("addr-gen-mode"), 3}};
    return s;
}
QStringList problems(const QList<Ipv6SettingsConflict> &list)
{
    QStringList out;
    for (const auto &c : list) out << c.problem;
    return out;
}
} // namespace

class TestIpv6SettingsConflict final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void defaultConnectionHasBothProblems()
    {
        const auto found = Ipv6SettingsConflict::find(ethernet());
        QCOMPARE(problems(found), (QStringList{QStringLiteral("auto-routes"), QStringLiteral("default-route")}));
        for (const auto &c : found) {
            QCOMPARE(c.connection, QStringLiteral("0e1f1938-217a-4d19-8738-a59499c288cb"));
            QCOMPARE(c.name, QStringLiteral("Wired 1"));
            QCOMPARE(c.interface, QStringLiteral("eth1"));
            QVERIFY(!c.detail.isEmpty());
            QVERIFY(c.fix.contains(QStringLiteral("ipv6.never-default")));
            const QVariantMap record = c.toVariantMap();
            QCOMPARE(QStringList(record.keys()),
                     (QStringList{QStringLiteral("connection"), QStringLiteral("detail"), QStringLiteral("fix"),
                                  QStringLiteral("interface"), QStringLiteral("name"), QStringLiteral("problem")}));
            QCOMPARE(record.value(QStringLiteral("problem")).toString(), c.problem);
        }
    }

    void eachPropertyOnItsOwn_data()
    {
        QTest::addColumn<bool>("ignoreAutoRoutes");
        QTest::addColumn<bool>("neverDefault");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("neither") << false << false
                                 << QStringList{QStringLiteral("auto-routes"), QStringLiteral("default-route")};
        QTest::newRow("routes ignored") << true << false << QStringList{QStringLiteral("default-route")};
        QTest::newRow("never default") << false << true << QStringList{QStringLiteral("auto-routes")};
        QTest::newRow("both set") << true << true << QStringList{};
    }
    void eachPropertyOnItsOwn()
    {
        QFETCH(bool, ignoreAutoRoutes);
        QFETCH(bool, neverDefault);
        QFETCH(QStringList, expected);
        for (const char *method : {"auto", "dhcp"}) {
            Settings s = ethernet(QLatin1String(method));
            s[QStringLiteral("ipv6")][QStringLiteral("ignore-auto-routes")] = ignoreAutoRoutes;
            s[QStringLiteral("ipv6")][QStringLiteral("never-default")] = neverDefault;
            QCOMPARE(problems(Ipv6SettingsConflict::find(s)), expected);
        }
    }

    void methods_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QString>("gateway");
        QTest::addColumn<QStringList>("expected");
        const QStringList both{QStringLiteral("auto-routes"), QStringLiteral("default-route")};
        QTest::newRow("auto") << "auto" << "" << both;
        QTest::newRow("dhcp") << "dhcp" << "" << both;
        QTest::newRow("manual, no gateway") << "manual" << "" << QStringList{};
        QTest::newRow("manual, gateway") << "manual" << "2001:db8::1" << QStringList{QStringLiteral("default-route")};
        QTest::newRow("link-local") << "link-local" << "" << QStringList{};
        QTest::newRow("shared") << "shared" << "" << QStringList{};
        QTest::newRow("ignore") << "ignore" << "" << QStringList{};
        QTest::newRow("disabled") << "disabled" << "" << QStringList{};
    }
    void methods()
    {
        QFETCH(QString, method);
        QFETCH(QString, gateway);
        QFETCH(QStringList, expected);
        Settings s = ethernet(method);
        if (!gateway.isEmpty()) s[QStringLiteral("ipv6")][QStringLiteral("gateway")] = gateway;
        QCOMPARE(problems(Ipv6SettingsConflict::find(s)), expected);
    }

    void missingMethodMeansAuto()
    {
        Settings s = ethernet();
        s[QStringLiteral("ipv6")].remove(QStringLiteral("method"));
        QCOMPARE(Ipv6SettingsConflict::find(s).size(), 2);
    }

    void exemptConnections()
    {
        Settings noIpv6 = ethernet();
        noIpv6.remove(QStringLiteral("ipv6"));
        QVERIFY(Ipv6SettingsConflict::find(noIpv6).isEmpty());

        Settings loopback = ethernet();
        loopback[QStringLiteral("connection")][QStringLiteral("type")] = QStringLiteral("loopback");
        QVERIFY(Ipv6SettingsConflict::find(loopback).isEmpty());

        for (const char *key : {"master", "controller"}) {
            Settings port = ethernet();
            port[QStringLiteral("connection")][QLatin1String(key)] = QStringLiteral("br0");
            port[QStringLiteral("connection")][QStringLiteral("slave-type")] = QStringLiteral("bridge");
            QVERIFY2(Ipv6SettingsConflict::find(port).isEmpty(), key);
        }

        QVERIFY(Ipv6SettingsConflict::find(ethernet(), Ipv6SettingsConflict::kFlagNmGenerated).isEmpty());
        QVERIFY(Ipv6SettingsConflict::find(ethernet(), Ipv6SettingsConflict::kFlagExternal).isEmpty());
        QCOMPARE(Ipv6SettingsConflict::find(ethernet(), 0x1 /* unsaved */).size(), 2);

        Settings noUuid = ethernet();
        noUuid[QStringLiteral("connection")].remove(QStringLiteral("uuid"));
        QVERIFY(Ipv6SettingsConflict::find(noUuid).isEmpty());
    }

    void fixedSetsBothAndKeepsTheRest()
    {
        Settings s = ethernet();
        s[QStringLiteral("ipv6")][QStringLiteral("ignore-auto-routes")] = false;
        const Settings fixed = Ipv6SettingsConflict::fixed(s);
        QVERIFY(Ipv6SettingsConflict::find(fixed).isEmpty());
        QCOMPARE(fixed.value(QStringLiteral("ipv6")).value(QStringLiteral("ignore-auto-routes")), QVariant(true));
        QCOMPARE(fixed.value(QStringLiteral("ipv6")).value(QStringLiteral("never-default")), QVariant(true));
        // Update replaces every setting: nothing else may be lost or changed.
        QCOMPARE(fixed.keys(), s.keys());
        for (const QString &name : s.keys()) {
            if (name == QLatin1String("ipv6")) continue;
            QCOMPARE(fixed.value(name), s.value(name));
        }
        QCOMPARE(fixed.value(QStringLiteral("ipv6")).value(QStringLiteral("addr-gen-mode")), QVariant(3));
        QCOMPARE(fixed.value(QStringLiteral("ipv6")).value(QStringLiteral("method")), QVariant(QStringLiteral("auto")));
        QCOMPARE(Ipv6SettingsConflict::fixed(fixed), fixed);
    }
};

QTEST_GUILESS_MAIN(TestIpv6SettingsConflict)
#include "tst_ipv6settingsconflict.moc"
