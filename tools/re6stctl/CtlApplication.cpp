// SPDX-License-Identifier: GPL-2.0-or-later
#include "CtlApplication.h"
#include "DoctorFlow.h"
#include "EnrollFlow.h"
#include "JsonOutput.h"
#include "NodeClient.h"
#include "RecordTables.h"
#include "StatusReport.h"
#include "TerminalAgent.h"

#include <QDBusConnection>
#include <QDBusError>
#include <QDateTime>

#ifndef RE6ST_VERSION
#define RE6ST_VERSION "unknown"
#endif

namespace re6st::ctl {

namespace {
using Command = CommandLine::Command;
const QString kNodeInterface = QString::fromLatin1(Node1Proxy::staticInterfaceName());
} // namespace

ExitCode CtlApplication::fail(const ErrorTranslator::Failure &failure)
{
    m_out.flush();
    m_err << failure.line << '\n';
    m_err.flush();
    return failure.code;
}

ExitCode CtlApplication::run(const QStringList &arguments)
{
    const CommandLine cl = CommandLine::parse(arguments);
    if (!cl.error.isEmpty())
        return fail(ErrorTranslator::usage(cl.error));
    if (cl.help) {
        m_out << (cl.command == Command::None ? CommandLine::helpText() : CommandLine::commandHelp(cl.command));
        m_out.flush();
        return ExitCode::Success;
    }
    if (cl.version) {
        m_out << "re6stctl " RE6ST_VERSION "\n";
        m_out.flush();
        return ExitCode::Success;
    }

    if (cl.command == Command::Doctor) { // works without a bus (--local fallback)
        DoctorFlow flow(cl, m_out, m_err);
        return flow.run();
    }

    // A connection of our own, not QDBusConnection::systemBus(): Qt suspends delivery on
    // the shared one until the event loop first runs, so Progress signals of an
    // enrollment could reach us after the reply they precede.
    QDBusConnection bus = QDBusConnection::connectToBus(QDBusConnection::SystemBus, QStringLiteral("re6stctl"));
    if (!bus.isConnected())
        return fail(ErrorTranslator::noBus(bus.lastError().message(),
                                           qEnvironmentVariable("DBUS_SYSTEM_BUS_ADDRESS")));
    NodeClient client(bus);
    client.setInteractive(cl.askPassword);

    if (cl.command == Command::Status)
        return status(client, cl);
    if (CommandLine::isQuery(cl.command))
        return query(client, cl);
    // From here on, actions: polkit may want a password. On a terminal without a desktop
    // agent, pkttyagent asks for it (stopped when `agent` goes).
    TerminalAgent agent;
    if (cl.askPassword)
        agent.start();
    if (cl.command == Command::Enroll) {
        EnrollFlow flow(client, cl, m_in, m_out, m_err);
        return flow.run();
    }
    return action(client, cl);
}

ExitCode CtlApplication::query(NodeClient &client, const CommandLine &cl)
{
    QString method;
    switch (cl.command) {
    case Command::Peers: method = QStringLiteral("Peers"); break;
    case Command::Tunnels: method = QStringLiteral("Tunnels"); break;
    case Command::Routes: method = QStringLiteral("Routes"); break;
    default: method = QStringLiteral("Neighbours"); break;
    }
    const NodeClient::Reply reply = client.records(method);
    if (!reply.ok)
        return fail(ErrorTranslator::translate(cl.command, reply.errorName, reply.errorMessage));
    const QList<QVariantMap> records = NodeClient::recordsOf(reply);
    if (cl.json) {
        m_out << JsonOutput::records(records);
    } else {
        const QTimeZone zone = QTimeZone::systemTimeZone();
        switch (cl.command) {
        case Command::Peers: m_out << RecordTables::peers(records, zone); break;
        case Command::Tunnels: m_out << RecordTables::tunnels(records, zone); break;
        case Command::Routes: m_out << RecordTables::routes(records); break;
        default: m_out << RecordTables::neighbours(records); break;
        }
    }
    m_out.flush();
    return ExitCode::Success;
}

ExitCode CtlApplication::status(NodeClient &client, const CommandLine &cl)
{
    const NodeClient::Reply props = client.properties();
    if (!props.ok)
        return fail(ErrorTranslator::translate(cl.command, props.errorName, props.errorMessage));
    const NodeClient::Reply peers = client.records(QStringLiteral("Peers"));
    if (!peers.ok)
        return fail(ErrorTranslator::translate(cl.command, peers.errorName, peers.errorMessage));

    if (cl.json) {
        m_out << JsonOutput::status(props.arguments.value(0).toMap(), NodeClient::recordsOf(peers));
        m_out.flush();
        return ExitCode::Success;
    }

    StatusReport report;
    report.properties = props.arguments.value(0).toMap();
    report.peers = NodeClient::recordsOf(peers);
    report.now = QDateTime::currentSecsSinceEpoch();
    // How peers are reached: best effort, the status is shown without it.
    const NodeClient::Reply tunnels = client.records(QStringLiteral("Tunnels"));
    if (tunnels.ok)
        report.tunnels = NodeClient::recordsOf(tunnels);
    const NodeClient::Reply routes = client.records(QStringLiteral("Routes"));
    const NodeClient::Reply neighbours = routes.ok ? client.records(QStringLiteral("Neighbours")) : routes;
    if (routes.ok && neighbours.ok) {
        report.routes = NodeClient::recordsOf(routes);
        report.neighbours = NodeClient::recordsOf(neighbours);
    } else if (const QString state = report.properties.value(QStringLiteral("State")).toString();
               state != QLatin1String("stopped") && state != QLatin1String("error")) {
        // A stopped node has no babeld: nothing to note then.
        const NodeClient::Reply &bad = routes.ok ? neighbours : routes;
        report.routesProblem = bad.errorName == QLatin1String("org.re6st.Error.BabelUnavailable")
            ? QStringLiteral("babeld is not answering")
            : QStringLiteral("routes unavailable (%1)").arg(bad.errorMessage.isEmpty() ? bad.errorName : bad.errorMessage);
    }
    m_out << report.render();
    m_out.flush();
    return ExitCode::Success;
}

ExitCode CtlApplication::action(NodeClient &client, const CommandLine &cl)
{
    QString method;
    QVariantList args;
    QString done;
    switch (cl.command) {
    case Command::Start:
        method = QStringLiteral("Start");
        done = QStringLiteral("Node started.");
        break;
    case Command::Stop:
        method = QStringLiteral("Stop");
        done = QStringLiteral("Node stopped.");
        break;
    case Command::Reload:
        method = QStringLiteral("ReloadConfig");
        done = QStringLiteral("Network configuration reloaded.");
        break;
    case Command::TunnelKill:
        method = QStringLiteral("KillTunnel");
        args = {cl.argument};
        done = QStringLiteral("Tunnel %1 killed.").arg(cl.argument);
        break;
    case Command::NeighbourAdd:
        method = QStringLiteral("AddNeighbour");
        args = {cl.argument};
        done = QStringLiteral("Neighbour %1 added (until the daemon restarts; add `neighbour %1` to "
                              "re6stnet.conf to keep it).").arg(cl.argument);
        break;
    case Command::NeighbourDel:
        method = QStringLiteral("RemoveNeighbour");
        args = {cl.argument};
        done = QStringLiteral("Neighbour %1 removed (until the daemon restarts).").arg(cl.argument);
        break;
    default:
        return fail(ErrorTranslator::usage(QStringLiteral("nothing to do")));
    }
    const NodeClient::Reply reply = client.action(kNodeInterface, method, args);
    if (!reply.ok)
        return fail(ErrorTranslator::translate(cl.command, reply.errorName, reply.errorMessage));
    if (!cl.json) {
        m_out << done << '\n';
        m_out.flush();
    }
    return ExitCode::Success;
}

} // namespace re6st::ctl
