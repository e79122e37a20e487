// SPDX-License-Identifier: GPL-2.0-or-later
// The daemon's side of the doctor (issue 6 §2): DoctorService feeds the checks with
// the daemon's own options and state (registry reachability from NodeStatus,
// NetworkManager conflicts from the provider main.cpp sets), and DoctorProbe's
// bounded process runs. The bus half (org.re6st.Doctor1.Run) is tests/lab/lab_doctor.sh.
#include "core/DoctorFinding.h"
#include "daemon/DoctorService.h"
#include "platform/DoctorProbe.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

using namespace re6st;
using namespace re6st::daemon;
using Status = doctor::DoctorFinding::Status;

namespace {

doctor::DoctorFinding findingOf(const QList<doctor::DoctorFinding> &all, const char *check)
{
    for (const doctor::DoctorFinding &f : all)
        if (f.check == QLatin1String(check)) return f;
    qFatal("no finding %s", check);
}

} // namespace

class TestDoctorService final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void probeRunsAreBounded()
    {
        const platform::DoctorProbe::Run missing = platform::DoctorProbe::run(QStringLiteral("/nonexistent/re6st-doctor"), {}, 2000);
        QVERIFY(!missing.started);
        QElapsedTimer t;
        t.start();
        const platform::DoctorProbe::Run slow = platform::DoctorProbe::run(QStringLiteral("sleep"), {QStringLiteral("30")}, 300);
        QVERIFY(slow.started);
        QVERIFY(!slow.finished);
        QVERIFY2(t.elapsed() < 10000, "the timeout did not stop the process");
        const platform::DoctorProbe::Run sh = platform::DoctorProbe::run(
            QStringLiteral("sh"), {QStringLiteral("-c"), QStringLiteral("echo out; echo err >&2; exit 3")}, 5000);
        QVERIFY(sh.finished);
        QCOMPARE(sh.exitCode, 3);
        QCOMPARE(sh.out, QByteArray("out\n"));
        QCOMPARE(sh.err, QByteArray("err\n"));
    }

    void daemonInputs()
    {
        QTemporaryDir dir;
        NodeOptions options;
        options.registry = QStringLiteral("http://re6st.example.com/");
        options.cert = dir.filePath(QStringLiteral("missing.crt"));
        NodeStatus status;
        status.state = NodeStatus::State::RegistryUnreachable;
        status.registry = options.registry;
        status.registryReachable = false;
        status.stateDetail = QStringLiteral("connection refused");
        DoctorService service(options, [&status] { return status; });

        QList<doctor::DoctorFinding> all = service.runChecks();
        QCOMPARE(all.size(), 10);
        QCOMPARE(all.first().check, QStringLiteral("source-routing"));
        QCOMPARE(all.last().check, QStringLiteral("registry"));
        // No provider yet (main.cpp wires HostNetworkService): skipped, with the reason.
        doctor::DoctorFinding nm = findingOf(all, "networkmanager");
        QCOMPARE(nm.status, Status::Skipped);
        QCOMPARE(nm.detail, QStringLiteral("NetworkManager integration not available"));
        // The daemon's own view of the registry, not a new request.
        const doctor::DoctorFinding registry = findingOf(all, "registry");
        QCOMPARE(registry.status, Status::Problem);
        QVERIFY2(registry.detail.contains(QLatin1String("connection refused")), qPrintable(registry.detail));
        const doctor::DoctorFinding cert = findingOf(all, "certificate");
        QCOMPARE(cert.status, Status::Problem);
        QVERIFY2(cert.detail.contains(QLatin1String("does not exist")), qPrintable(cert.detail));
        QCOMPARE(cert.fix, QStringLiteral("re6stctl enroll http://re6st.example.com/"));

        service.setConflictsProvider([] {
            return std::optional<QList<QVariantMap>>(QList<QVariantMap>{
                {{"connection", QStringLiteral("9f1c-uuid")}, {"name", QStringLiteral("Wired")}, {"interface", QStringLiteral("eth0")},
                 {"problem", QStringLiteral("default-route")}, {"detail", QStringLiteral("a default route beside re6st's")},
                 {"fix", QStringLiteral("set ipv6.never-default")}}});
        });
        status.state = NodeStatus::State::Connected;
        status.registryReachable = true;
        all = service.runChecks();
        nm = findingOf(all, "networkmanager");
        QCOMPARE(nm.status, Status::Problem);
        QCOMPARE(nm.fix, QStringLiteral("nmcli connection modify 9f1c-uuid ipv6.never-default yes"));
        QCOMPARE(findingOf(all, "registry").status, Status::Ok);

        bool nmRunning = false;
        service.setNetworkManagerProvider([&nmRunning] { return nmRunning; });
        nm = findingOf(service.runChecks(), "networkmanager");
        QCOMPARE(nm.status, Status::Ok);
        QCOMPARE(nm.summary, QStringLiteral("NetworkManager is not running"));
        nmRunning = true;
        QCOMPARE(findingOf(service.runChecks(), "networkmanager").status, Status::Problem);
        service.setConflictsProvider([] { return std::optional<QList<QVariantMap>>(); });
        QCOMPARE(findingOf(service.runChecks(), "networkmanager").status, Status::Skipped);

        // Run() outside D-Bus answers at once, in the contract's form.
        const QList<QVariantMap> maps = service.Run();
        QCOMPARE(maps.size(), 10);
        for (const QVariantMap &m : maps) QVERIFY(doctor::DoctorFinding::fromVariantMap(m));
    }
};

QTEST_GUILESS_MAIN(TestDoctorService)
#include "tst_doctorservice.moc"
