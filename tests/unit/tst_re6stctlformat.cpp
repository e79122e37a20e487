// SPDX-License-Identifier: GPL-2.0-or-later
// re6stctl's output without a bus (tools/re6stctl): values, aligned tables sorted by
// prefix, the status report (how each peer is reached), --json documents, enrollment
// texts. Records are built with the daemon's own NodeStatus helpers (the contract).
#include "../../daemon/BabelRecords.h"
#include "../../daemon/NodeStatus.h"
#include "../../tools/re6stctl/DoctorReport.h"
#include "../../tools/re6stctl/EnrollmentText.h"
#include "../../tools/re6stctl/JsonOutput.h"
#include "../../tools/re6stctl/PeerReachability.h"
#include "core/PrefixOrder.h"
#include "../../tools/re6stctl/RecordTables.h"
#include "../../tools/re6stctl/StatusReport.h"
#include "../../tools/re6stctl/TextTable.h"
#include "../../tools/re6stctl/ValueFormat.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using namespace re6st::ctl;
using re6st::PrefixOrder;
using re6st::daemon::NodeStatus;

namespace {

constexpr qint64 kNow = 1800000000; // 2027-01-15 08:00:00 UTC
const QTimeZone kUtc = QTimeZone::utc();

QList<QVariantMap> samplePeers()
{
    return {NodeStatus::peerRecord(QStringLiteral("10/16"), QStringLiteral("2001:db8:42:a::1"), QString(), 10, 0, false),
            NodeStatus::peerRecord(QStringLiteral("2/16"), QStringLiteral("2001:db8:42:2::1"), QStringLiteral("FR"), 10,
                                   kNow - 60, true),
            NodeStatus::peerRecord(QStringLiteral("3/16"), QStringLiteral("2001:db8:42:3::1"), QStringLiteral("DE"), 9,
                                   kNow - 3600, false)};
}

QList<QVariantMap> sampleTunnels()
{
    return {NodeStatus::tunnelRecord(QStringLiteral("re6stnet3"), QStringLiteral("2/16"), QStringLiteral("udp"), true,
                                     kNow - 7200, 1536, 2 * 1024 * 1024)};
}

QList<QVariantMap> sampleRoutes()
{
    return {NodeStatus::routeRecord(QStringLiteral("2001:db8:42:2::/64"), QStringLiteral("::/0"),
                                    QStringLiteral("fe80::2"), QStringLiteral("re6stnet3"), 256, true),
            NodeStatus::routeRecord(QStringLiteral("2001:db8:42:3::/64"), QStringLiteral("::/0"),
                                    QStringLiteral("fe80::2"), QStringLiteral("re6stnet3"), 512, true),
            // not installed: ignored for "how reached"
            NodeStatus::routeRecord(QStringLiteral("2001:db8:42:a::/64"), QStringLiteral("::/0"),
                                    QStringLiteral("fe80::9"), QStringLiteral("re6stnet9"), 65535, false)};
}

QList<QVariantMap> sampleNeighbours()
{
    return {NodeStatus::neighbourRecord(QStringLiteral("fe80::2"), QStringLiteral("re6stnet3"), 12.34, 96, 0xffff),
            NodeStatus::neighbourRecord(QStringLiteral("fe80::9"), QStringLiteral("re6stnet10"), 3.5, 256, 0x00f0)};
}

QVariantMap sampleProperties()
{
    NodeStatus s;
    s.state = NodeStatus::State::Connected;
    s.prefix = QStringLiteral("1/16");
    s.address = QStringLiteral("2001:db8:42:1::1");
    s.subnet = QStringLiteral("2001:db8:42:1::/64");
    s.network = QStringLiteral("2001:db8:42::/48");
    s.registry = QStringLiteral("http://re6st.example.com/");
    s.registryReachable = true;
    s.certificateNotAfter = kNow + 36 * 86400;
    s.nextRenewal = kNow + 24 * 86400;
    s.peerCount = 3;
    s.tunnelCount = 1;
    s.protocolVersion = 10;
    s.version = QStringLiteral("0.1.0");
    QVariantMap p = s.properties();
    p.insert(QStringLiteral("Enrolled"), true);
    p.insert(QStringLiteral("Neighbours"), QStringList{QStringLiteral("3/16"), QStringLiteral("2/16")});
    return p;
}

} // namespace

class TestRe6stctlFormat final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void values()
    {
        QCOMPARE(ValueFormat::text(QString()), QStringLiteral("-"));
        QCOMPARE(ValueFormat::text(QVariant()), QStringLiteral("-"));
        QCOMPARE(ValueFormat::text(QVariant(true)), QStringLiteral("yes"));
        // Daemon- and peer-supplied text: shown, never interpreted by the terminal.
        QCOMPARE(ValueFormat::text(QStringLiteral("a\nb\x1b[8m\u202ec\x7f")), QStringLiteral("a\\x0ab\\x1b[8m\\u202ec\\x7f"));
        QCOMPARE(ValueFormat::text(QVariant(QStringLiteral("x\ry"))), QStringLiteral("x\\x0dy"));
        QCOMPARE(ValueFormat::plain(QString()), QString());
        QCOMPARE(ValueFormat::plain(QStringLiteral("caf\u00e9 \\ ok")), QStringLiteral("caf\u00e9 \\ ok"));
        QCOMPARE(ValueFormat::lines(QStringLiteral("one\x1b[2J\ntwo\r")), QStringLiteral("one\\x1b[2J\ntwo\\x0d"));
        QCOMPARE(ValueFormat::time(0, kUtc), QStringLiteral("-"));
        QCOMPARE(ValueFormat::time(kNow, kUtc), QStringLiteral("2027-01-15 08:00:00"));
        QCOMPARE(ValueFormat::time(kNow, QTimeZone(3600)), QStringLiteral("2027-01-15 09:00:00"));
        QCOMPARE(ValueFormat::relative(kNow + 36 * 86400 + 5, kNow), QStringLiteral("in 36 days"));
        QCOMPARE(ValueFormat::relative(kNow - 3 * 86400, kNow), QStringLiteral("3 days ago"));
        QCOMPARE(ValueFormat::relative(kNow + 5 * 3600, kNow), QStringLiteral("in 5 hours"));
        QCOMPARE(ValueFormat::relative(kNow + 3600, kNow), QStringLiteral("in 1 hour"));
        QCOMPARE(ValueFormat::relative(kNow + 12 * 60, kNow), QStringLiteral("in 12 minutes"));
        QCOMPARE(ValueFormat::relative(kNow + 10, kNow), QStringLiteral("now"));
        QCOMPARE(ValueFormat::relative(0, kNow), QString());
        QCOMPARE(ValueFormat::timeAndRelative(kNow + 36 * 86400, kNow, kUtc),
                 QStringLiteral("2027-02-20 08:00:00 (in 36 days)"));
        QCOMPARE(ValueFormat::timeAndRelative(0, kNow, kUtc), QStringLiteral("-"));
        QCOMPARE(ValueFormat::bytes(0), QStringLiteral("0 B"));
        QCOMPARE(ValueFormat::bytes(1023), QStringLiteral("1023 B"));
        QCOMPARE(ValueFormat::bytes(1536), QStringLiteral("1.5 KiB"));
        QCOMPARE(ValueFormat::bytes(2 * 1024 * 1024), QStringLiteral("2.0 MiB"));
        QCOMPARE(ValueFormat::rtt(12.34), QStringLiteral("12.3 ms"));
        QCOMPARE(ValueFormat::rtt(3.5), QStringLiteral("3.50 ms"));
        QCOMPARE(ValueFormat::rtt(-1), QStringLiteral("-"));
        QCOMPARE(ValueFormat::rtt(std::numeric_limits<double>::quiet_NaN()), QStringLiteral("-"));
    }

    void table()
    {
        TextTable t({QStringLiteral("A"), QStringLiteral("NUMBER"), QStringLiteral("C")});
        t.setRightAligned(1);
        t.addRow({QStringLiteral("long value"), QStringLiteral("7"), QStringLiteral("x")});
        t.addRow({QStringLiteral("b"), QStringLiteral("1234567"), QString()});
        QCOMPARE(t.render(), QStringLiteral("A            NUMBER  C\n"
                                            "long value        7  x\n"
                                            "b           1234567\n"));
    }

    void prefixOrder()
    {
        QVERIFY(PrefixOrder::lessThan(QStringLiteral("1/16"), QStringLiteral("2/16")));
        QVERIFY(PrefixOrder::lessThan(QStringLiteral("2/16"), QStringLiteral("10/16")));  // not text order
        QVERIFY(!PrefixOrder::lessThan(QStringLiteral("10/16"), QStringLiteral("2/16")));
        QVERIFY(PrefixOrder::lessThan(QStringLiteral("8/4"), QStringLiteral("9/4")));
        QVERIFY(PrefixOrder::lessThan(QStringLiteral("1/1"), QStringLiteral("3/2")));     // 1 before 11
        QVERIFY(PrefixOrder::lessThan(QStringLiteral("1/1"), QStringLiteral("2/2")));     // 1 before 10
        QVERIFY(PrefixOrder::lessThan(QStringLiteral("2/2"), QStringLiteral("1/1")) == false);
        QVERIFY(PrefixOrder::lessThan(QStringLiteral("1/16"), QStringLiteral("garbage")));
        QVERIFY(!PrefixOrder::lessThan(QStringLiteral("garbage"), QStringLiteral("1/16")));
        QList<QVariantMap> records = samplePeers();
        PrefixOrder::sort(records, QStringLiteral("prefix"));
        QCOMPARE(records.at(0).value(QStringLiteral("prefix")).toString(), QStringLiteral("2/16"));
        QCOMPARE(records.at(2).value(QStringLiteral("prefix")).toString(), QStringLiteral("10/16"));
    }

    void reachability()
    {
        const PeerReachability r(sampleTunnels(), sampleRoutes(), sampleNeighbours());
        auto direct = r.reach(QStringLiteral("2/16"), QStringLiteral("2001:db8:42:2::1"));
        QCOMPARE(direct.how, QStringLiteral("direct (re6stnet3, client udp)"));
        QCOMPARE(direct.rttMs, 12.34);
        auto routed = r.reach(QStringLiteral("3/16"), QStringLiteral("2001:db8:42:3::1"));
        QCOMPARE(routed.how, QStringLiteral("via fe80::2 on re6stnet3"));
        QVERIFY(routed.rttMs < 0);
        auto unknown = r.reach(QStringLiteral("10/16"), QStringLiteral("2001:db8:42:a::1"));
        QCOMPARE(unknown.how, QStringLiteral("-"));
        QCOMPARE(r.reach(QString(), QString()).how, QStringLiteral("-"));

        // Longest installed match wins; a source-specific route loses a tie.
        const PeerReachability r2({}, {NodeStatus::routeRecord(QStringLiteral("2001:db8:42::/48"), QStringLiteral("::/0"),
                                                               QStringLiteral("fe80::1"), QStringLiteral("eth0"), 1, true),
                                       NodeStatus::routeRecord(QStringLiteral("2001:db8:42:3::/64"), QStringLiteral("2001:db8::/32"),
                                                               QStringLiteral("fe80::5"), QStringLiteral("re6stnet5"), 1, true),
                                       NodeStatus::routeRecord(QStringLiteral("2001:db8:42:3::/64"), QStringLiteral("::/0"),
                                                               QStringLiteral("fe80::4"), QStringLiteral("re6stnet4"), 1, true)},
                                  {});
        QCOMPARE(r2.reach(QStringLiteral("3/16"), QStringLiteral("2001:db8:42:3::1")).how,
                 QStringLiteral("via fe80::4 on re6stnet4"));
        QCOMPARE(r2.reach(QStringLiteral("9/16"), QStringLiteral("2001:db8:42:9::1")).how,
                 QStringLiteral("via fe80::1 on eth0"));
    }

    void peersTable()
    {
        QList<QVariantMap> peers = samplePeers();
        peers << NodeStatus::peerRecord(QStringLiteral("11/16"), QStringLiteral("2001:db8:42:b::1"), {}, 0, 0, false);
        const QString text = RecordTables::peers(peers, kUtc);
        QCOMPARE(text, QStringLiteral(
            "PREFIX  ADDRESS           COUNTRY  PROTOCOL  LAST SEEN            CONNECTED\n"
            "2/16    2001:db8:42:2::1  FR             10  2027-01-15 07:59:00  yes\n"
            "3/16    2001:db8:42:3::1  DE              9  2027-01-15 07:00:00  no\n"
            "10/16   2001:db8:42:a::1  -              10  -                    no\n"
            "11/16   2001:db8:42:b::1  -               -  -                    no\n")); // protocol 0: no session yet
        QCOMPARE(RecordTables::peers({}, kUtc), QStringLiteral("No peers known.\n"));
    }

    void tunnelsTable()
    {
        QList<QVariantMap> tunnels = sampleTunnels();
        tunnels.prepend(NodeStatus::tunnelRecord(QStringLiteral("re6stnet10"), QStringLiteral("12/16"),
                                                 QStringLiteral("tcp6"), false, kNow, 0, 100));
        QCOMPARE(RecordTables::tunnels(tunnels, kUtc), QStringLiteral(
            "PEER   INTERFACE   PROTOCOL  DIRECTION  SINCE                     RX       TX\n"
            "2/16   re6stnet3   udp       client     2027-01-15 06:00:00  1.5 KiB  2.0 MiB\n"
            "12/16  re6stnet10  tcp6      server     2027-01-15 08:00:00      0 B    100 B\n"));
        QCOMPARE(RecordTables::tunnels({}, kUtc), QStringLiteral("No tunnels up.\n"));
    }

    void routesTable()
    {
        QList<QVariantMap> routes = sampleRoutes();
        std::reverse(routes.begin(), routes.end());
        QCOMPARE(RecordTables::routes(routes), QStringLiteral(
            "DESTINATION         SOURCE  NEXT HOP  INTERFACE  METRIC  INSTALLED\n"
            "2001:db8:42:2::/64  ::/0    fe80::2   re6stnet3     256  yes\n"
            "2001:db8:42:3::/64  ::/0    fe80::2   re6stnet3     512  yes\n"
            "2001:db8:42:a::/64  ::/0    fe80::9   re6stnet9   65535  no\n"));
    }

    void neighboursTable()
    {
        QList<QVariantMap> n = sampleNeighbours();
        std::reverse(n.begin(), n.end());
        QCOMPARE(RecordTables::neighbours(n), QStringLiteral(
            "INTERFACE   ADDRESS      RTT  COST  REACH\n"
            "re6stnet3   fe80::2  12.3 ms    96  ffff\n"
            "re6stnet10  fe80::9  3.50 ms   256  00f0\n"));
        QCOMPARE(RecordTables::neighbours({}), QStringLiteral("No babel neighbours.\n"));
    }

    // babeld has not measured the rtt yet: the daemon leaves rtt_ms out (BabelRecords),
    // and every place re6stctl shows it says "-", not "0.00 ms".
    void unmeasuredRtt()
    {
        re6st::babel::Neighbour unmeasured;
        unmeasured.address = QStringLiteral("fe80::2");
        unmeasured.interface = QStringLiteral("re6stnet3");
        unmeasured.cost = 96;
        unmeasured.reach = 0x8000;
        const QList<QVariantMap> n{re6st::daemon::BabelRecords::neighbour(unmeasured)};
        QVERIFY(!n.first().contains(QStringLiteral("rtt_ms")));
        QCOMPARE(RecordTables::neighbours(n), QStringLiteral(
            "INTERFACE  ADDRESS  RTT  COST  REACH\n"
            "re6stnet3  fe80::2    -    96  8000\n"));
        const PeerReachability r(sampleTunnels(), sampleRoutes(), n);
        const auto direct = r.reach(QStringLiteral("2/16"), QStringLiteral("2001:db8:42:2::1"));
        QCOMPARE(direct.how, QStringLiteral("direct (re6stnet3, client udp)"));
        QVERIFY(direct.rttMs < 0);
        QCOMPARE(ValueFormat::rtt(direct.rttMs), QStringLiteral("-"));
        const QJsonObject json = QJsonDocument::fromJson(JsonOutput::records(n)).array().at(0).toObject();
        QVERIFY(!json.contains(QStringLiteral("rtt_ms")));
    }

    void status()
    {
        StatusReport report;
        report.properties = sampleProperties();
        report.peers = samplePeers();
        report.tunnels = sampleTunnels();
        report.routes = sampleRoutes();
        report.neighbours = sampleNeighbours();
        report.now = kNow;
        report.zone = kUtc;
        QCOMPARE(report.render(), QStringLiteral(
            "Address:     2001:db8:42:1::1\n"
            "State:       connected\n"
            "Prefix:      1/16\n"
            "Subnet:      2001:db8:42:1::/64\n"
            "Network:     2001:db8:42::/48\n"
            "Registry:    http://re6st.example.com/ (reachable)\n"
            "Certificate: valid until 2027-02-20 08:00:00 (in 36 days)\n"
            "Renewal:     2027-02-08 08:00:00 (in 24 days)\n"
            "Tunnels:     1 up, 3 peers known\n"
            "Neighbours:  2/16, 3/16\n"
            "Daemon:      0.1.0, protocol 10\n"
            "\n"
            "PREFIX  ADDRESS               RTT  REACHED                         COUNTRY\n"
            "2/16    2001:db8:42:2::1  12.3 ms  direct (re6stnet3, client udp)  FR\n"
            "3/16    2001:db8:42:3::1        -  via fe80::2 on re6stnet3        DE\n"
            "10/16   2001:db8:42:a::1        -  -                               -\n"));
    }

    void statusDegraded()
    {
        // Not enrolled, an older daemon without Enrolled/Neighbours, babeld down.
        StatusReport report;
        report.properties = {{QStringLiteral("State"), QStringLiteral("stopped")},
                             {QStringLiteral("StateDetail"), QString()},
                             {QStringLiteral("Enrolled"), false},
                             {QStringLiteral("CertificateNotAfter"), qlonglong(0)},
                             {QStringLiteral("NextRenewal"), qlonglong(0)}};
        report.routesProblem = QStringLiteral("babeld is not answering");
        report.now = kNow;
        report.zone = kUtc;
        const QString text = report.render();
        QVERIFY2(text.startsWith(QStringLiteral("Address:     -\n"
                                                "State:       stopped (not enrolled: run `re6stctl enroll URL`)\n")),
                 qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("Certificate: none\n")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("Renewal:     -\n")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("Tunnels:     - up, - peers known\n")), qPrintable(text));
        QVERIFY2(!text.contains(QStringLiteral("Neighbours:")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("No peers known.\n")), qPrintable(text));
        QVERIFY2(text.endsWith(QStringLiteral("Note: babeld is not answering (rtt and routes unknown).\n")),
                 qPrintable(text));
    }

    void stateText()
    {
        QVariantMap p{{QStringLiteral("State"), QStringLiteral("error")},
                      {QStringLiteral("StateDetail"), QStringLiteral("babeld exited; see the journal")}};
        QCOMPARE(StatusReport::stateText(p), QStringLiteral("error (babeld exited; see the journal)"));
        p[QStringLiteral("State")] = QStringLiteral("exploded");
        p[QStringLiteral("StateDetail")] = QString();
        QCOMPARE(StatusReport::stateText(p), QStringLiteral("error (unknown state \"exploded\")"));
        QCOMPARE(StatusReport::stateText({}), QStringLiteral("-"));
        p[QStringLiteral("State")] = QStringLiteral("stopping");
        p[QStringLiteral("StateDetail")] = QStringLiteral("closing the tunnels and stopping babeld");
        QCOMPARE(StatusReport::stateText(p), QStringLiteral("stopping (closing the tunnels and stopping babeld)"));
        QVariantMap expired = sampleProperties();
        expired[QStringLiteral("CertificateNotAfter")] = qlonglong(kNow - 3 * 86400);
        StatusReport report;
        report.properties = expired;
        report.now = kNow;
        report.zone = kUtc;
        QVERIFY(report.render().contains(QStringLiteral("Certificate: EXPIRED 2027-01-12 08:00:00 (3 days ago)\n")));
        expired[QStringLiteral("RegistryReachable")] = false;
        report.properties = expired;
        QVERIFY(report.render().contains(QStringLiteral("Registry:    http://re6st.example.com/ (not reachable)\n")));
    }

    // F8: a finding from the daemon (an NM connection's name...) cannot add lines or escapes.
    void doctorReportEscapes()
    {
        re6st::doctor::DoctorFinding f;
        f.check = QStringLiteral("network\nmanager");
        f.status = re6st::doctor::DoctorFinding::Status::Problem;
        f.summary = QStringLiteral("1 conflict: Cafe\nOK       forged\x1b[8m");
        f.detail = QStringLiteral("line one\x1b]0;title\x07\nline two");
        f.fix = QStringLiteral("nmcli connection modify x\r");
        const QString text = DoctorReport::text({f}, QStringLiteral("daemon"));
        QCOMPARE(text, QStringLiteral("PROBLEM  network\\x0amanager 1 conflict: Cafe\\x0aOK       forged\\x1b[8m\n"
                                      "         line one\\x1b]0;title\\x07\n"
                                      "         line two\n"
                                      "         fix: nmcli connection modify x\\x0d\n"
                                      "\n1 problem(s), 0 warning(s), 0 skipped, 0 ok (checks run by the re6stnet daemon)\n"));
    }

    void stateTextEscapes()
    {
        const QVariantMap p{{QStringLiteral("State"), QStringLiteral("x\ny")},
                            {QStringLiteral("StateDetail"), QStringLiteral("babeld\x1b[8m exited")}};
        QCOMPARE(StatusReport::stateText(p),
                 QStringLiteral("error (unknown state \"x\\x0ay\"; babeld\\x1b[8m exited)"));
    }

    void json()
    {
        const QByteArray recordsJson = JsonOutput::records(sampleTunnels());
        QVERIFY(recordsJson.endsWith('\n'));
        const QJsonArray a = QJsonDocument::fromJson(recordsJson).array();
        QCOMPARE(a.size(), 1);
        const QJsonObject t = a.at(0).toObject();
        QCOMPARE(t.keys(), (QStringList{QStringLiteral("direction"), QStringLiteral("interface"), QStringLiteral("peer"),
                                        QStringLiteral("protocol"), QStringLiteral("rx_bytes"), QStringLiteral("since"),
                                        QStringLiteral("tx_bytes")}));
        QCOMPARE(t.value(QStringLiteral("interface")).toString(), QStringLiteral("re6stnet3"));
        QCOMPARE(t.value(QStringLiteral("since")).toInteger(), kNow - 7200);
        QCOMPARE(t.value(QStringLiteral("tx_bytes")).toInteger(), 2 * 1024 * 1024);

        const QJsonObject n = QJsonDocument::fromJson(JsonOutput::records(sampleNeighbours())).array().at(0).toObject();
        QCOMPARE(n.value(QStringLiteral("rtt_ms")).toDouble(), 12.34);
        QCOMPARE(n.value(QStringLiteral("reach")).toInteger(), 0xffff);

        const QJsonObject s = QJsonDocument::fromJson(JsonOutput::status(sampleProperties(), samplePeers())).object();
        QCOMPARE(s.keys(), (QStringList{QStringLiteral("peers"), QStringLiteral("properties")}));
        const QJsonObject props = s.value(QStringLiteral("properties")).toObject();
        QCOMPARE(props.value(QStringLiteral("State")).toString(), QStringLiteral("connected"));
        QCOMPARE(props.value(QStringLiteral("RegistryReachable")).toBool(), true);
        QCOMPARE(props.value(QStringLiteral("CertificateNotAfter")).toInteger(), kNow + 36 * 86400);
        QCOMPARE(props.value(QStringLiteral("ProtocolVersion")).toInteger(), 10);
        QCOMPARE(props.value(QStringLiteral("Neighbours")).toArray().size(), 2);
        const QJsonArray peers = s.value(QStringLiteral("peers")).toArray();
        QCOMPARE(peers.size(), 3);
        QCOMPARE(peers.at(1).toObject().value(QStringLiteral("connected")).toBool(), true);
        QCOMPARE(peers.at(1).toObject().value(QStringLiteral("last_seen")).toInteger(), kNow - 60);

        QCOMPARE(JsonOutput::toJson(QVariant::fromValue(quint64(1) << 63)).toDouble(), 9223372036854775808.0);
        QVERIFY(JsonOutput::toJson(QVariant()).isNull());
        QCOMPARE(JsonOutput::records({}), QByteArray("[\n]\n"));
    }

    void enrollmentText()
    {
        const QString fp = QStringLiteral("sha256:") + QString(64, u'a');
        const QString summary = EnrollmentText::caSummary(
            fp, {{QStringLiteral("network"), QStringLiteral("2001:db8:42::/48")},
                 {QStringLiteral("subject"), QStringLiteral("CN=re6st CA")},
                 {QStringLiteral("not_after"), qlonglong(kNow)},
                 {QStringLiteral("registry"), QStringLiteral("http://reg.example/")}},
            kUtc);
        // The fingerprint first, before anything the registry chose (audit F5).
        QCOMPARE(summary, QStringLiteral("Fingerprint:  ") + fp
                              + QStringLiteral("\n"
                                               "Registry:     http://reg.example/\n"
                                               "CA:           CN=re6st CA\n"
                                               "Network:      2001:db8:42::/48\n"
                                               "CA expires:   2027-01-15 08:00:00\n"));
        // A rogue CA's name cannot print a fake fingerprint line nor hide the real one.
        const QString forged = EnrollmentText::caSummary(
            fp, {{QStringLiteral("subject"), QStringLiteral("re6st CA\nFingerprint:  sha256:0000legit\n\x1b[8m")},
                 {QStringLiteral("network"), QStringLiteral("2001:db8:42::/48\u2028x")}},
            kUtc);
        QCOMPARE(forged, QStringLiteral("Fingerprint:  ") + fp
                             + QStringLiteral("\n"
                                              "Registry:     -\n"
                                              "CA:           re6st CA\\x0aFingerprint:  sha256:0000legit\\x0a\\x1b[8m\n"
                                              "Network:      2001:db8:42::/48\\u2028x\n"
                                              "CA expires:   -\n"));
        QCOMPARE(EnrollmentText::progressLine(QStringLiteral("x"), QStringLiteral("step\r\x1b[2Kdone")),
                 QStringLiteral("  ... step\\x0d\\x1b[2Kdone\n"));
        QVERIFY(EnrollmentText::isYes(QStringLiteral("y")));
        QVERIFY(EnrollmentText::isYes(QStringLiteral(" YES\n")));
        QVERIFY(!EnrollmentText::isYes(QStringLiteral("n")));
        QVERIFY(!EnrollmentText::isYes(QString()));
        QCOMPARE(EnrollmentText::progressLine(QStringLiteral("generating-key"), QStringLiteral("Generating the key")),
                 QStringLiteral("  ... Generating the key\n"));
        QCOMPARE(EnrollmentText::progressLine(QStringLiteral("done"), QString()), QStringLiteral("  ... done\n"));

        const QString result = EnrollmentText::result(
            {{QStringLiteral("prefix"), QStringLiteral("5/16")},
             {QStringLiteral("subnet"), QStringLiteral("2001:db8:42:5::/64")},
             {QStringLiteral("address"), QStringLiteral("2001:db8:42:5::1")},
             {QStringLiteral("not_after"), qlonglong(kNow + 365 * 86400)},
             {QStringLiteral("renew_after"), qlonglong(kNow + 300 * 86400)},
             {QStringLiteral("directory"), QStringLiteral("/etc/re6stnet")}},
            kNow, kUtc);
        QVERIFY2(result.startsWith(QStringLiteral("Enrolled.\nPrefix:       5/16\nSubnet:       2001:db8:42:5::/64\n"
                                                  "Address:      2001:db8:42:5::1\n"
                                                  "Valid until:  2028-01-15 08:00:00 (in 365 days)\n"
                                                  "Renewal:      2027-11-11 08:00:00 (in 300 days)\n"
                                                  "Directory:    /etc/re6stnet\n")),
                 qPrintable(result));
        QVERIFY(result.contains(QStringLiteral("Back up /etc/re6stnet/cert.key")));
        QVERIFY(!result.contains(QStringLiteral("re6stnet.conf")));
        const QString replaced = EnrollmentText::result(
            {{QStringLiteral("config_backup"), QStringLiteral("/etc/re6stnet/replaced-1/re6stnet.conf")}}, kNow, kUtc);
        QVERIFY2(replaced.startsWith(QStringLiteral("re6stnet.conf named another registry or country: replaced, the old "
                                                    "one kept as /etc/re6stnet/replaced-1/re6stnet.conf\nEnrolled.\n")),
                 qPrintable(replaced));
    }
};

QTEST_GUILESS_MAIN(TestRe6stctlFormat)
#include "tst_re6stctlformat.moc"
