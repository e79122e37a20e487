// SPDX-License-Identifier: GPL-2.0-or-later
#include "NodeState.h"

namespace re6st::gui {

NodeState::Tray NodeState::of(const Inputs &in)
{
    if (!in.servicePresent)
        return Tray::DaemonNotRunning;
    if (!in.enrolled)
        return Tray::NotEnrolled;
    Tray running;
    if (in.state == QLatin1String("stopped"))
        return Tray::Stopped;
    if (in.state == QLatin1String("stopping"))
        return Tray::Stopping;
    else if (in.state == QLatin1String("starting") || in.state == QLatin1String("connecting"))
        running = Tray::Connecting;
    else if (in.state == QLatin1String("connected"))
        running = Tray::Connected;
    else if (in.state == QLatin1String("registry-unreachable"))
        running = Tray::RegistryUnreachable;
    else
        return Tray::Error; // "error" and any value a newer daemon may add (contract)
    // A certificate about to end matters more than the registry: the node drops out of
    // the network when it does (already expired counts too).
    const bool expiring = in.certificateNotAfter > 0 && in.certificateNotAfter - in.now < kExpiryWarningSecs;
    if (expiring && meshUp(running))
        return Tray::CertificateExpiring;
    return running;
}

QString NodeState::id(Tray tray)
{
    switch (tray) {
    case Tray::DaemonNotRunning: return QStringLiteral("daemon-not-running");
    case Tray::NotEnrolled: return QStringLiteral("not-enrolled");
    case Tray::Stopped: return QStringLiteral("stopped");
    case Tray::Connecting: return QStringLiteral("connecting");
    case Tray::Connected: return QStringLiteral("connected");
    case Tray::RegistryUnreachable: return QStringLiteral("registry-unreachable");
    case Tray::CertificateExpiring: return QStringLiteral("certificate-expiring");
    case Tray::Stopping: return QStringLiteral("stopping");
    case Tray::Error: return QStringLiteral("error");
    }
    return QStringLiteral("error");
}

QString NodeState::title(Tray tray)
{
    switch (tray) {
    case Tray::DaemonNotRunning: return tr("re6st daemon not running");
    case Tray::NotEnrolled: return tr("Not part of a re6st network yet");
    case Tray::Stopped: return tr("Stopped");
    case Tray::Connecting: return tr("Connecting…");
    case Tray::Connected: return tr("Connected");
    case Tray::RegistryUnreachable: return tr("Connected, registry unreachable");
    case Tray::CertificateExpiring: return tr("Connected, certificate expiring soon");
    case Tray::Stopping: return tr("Stopping…");
    case Tray::Error: return tr("Error");
    }
    return tr("Error");
}

QString NodeState::advice(Tray tray)
{
    switch (tray) {
    case Tray::DaemonNotRunning:
        return tr("Start the re6stnet service (systemctl start re6stnet) or install re6st.");
    case Tray::NotEnrolled: return tr("Use “Join a network…” to enroll this computer.");
    case Tray::Stopped: return tr("Use “Start” to connect.");
    case Tray::Connecting: return tr("Getting the network configuration and opening the first tunnels to other nodes.");
    case Tray::Connected: return {};
    case Tray::RegistryUnreachable:
        return tr("The network works; the certificate cannot be renewed until the registry answers again.");
    case Tray::CertificateExpiring:
        return tr("Make sure the registry is reachable so that the certificate gets renewed.");
    case Tray::Stopping: return tr("Closing the tunnels; this takes a few seconds at most.");
    case Tray::Error: return tr("See the details in the window, or the logs (journalctl -u re6stnet).");
    }
    return {};
}

bool NodeState::meshUp(Tray tray)
{
    return tray == Tray::Connected || tray == Tray::RegistryUnreachable || tray == Tray::CertificateExpiring;
}

bool NodeState::canStart(Tray tray)
{
    return tray == Tray::Stopped || tray == Tray::Error;
}

bool NodeState::canStop(Tray tray)
{
    return tray == Tray::Connecting || meshUp(tray) || tray == Tray::Error;
}

} // namespace re6st::gui
