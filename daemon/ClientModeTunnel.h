// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/OpenVpnArguments.h"

#include <QObject>
#include <QTimer>

namespace re6st {
class OpenVpnProcess;
}

namespace re6st::daemon {

// `re6stnet --client HOST,PORT,PROTO[;…]` (node-protocol.md §3.6): one OpenVPN
// client on interface `re6stnet` over every remote whose protocol is enabled;
// OpenVPN iterates over them itself (--ping-restart). Restarted if it exits
// (1 s, doubling up to 60 s). Up (isConnected) from OpenVPN's route-up until it
// reconnects or exits: the daemon counts this tunnel only then.
class ClientModeTunnel final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ClientModeTunnel)
public:
    static constexpr const char *kInterface = "re6stnet";

    // Remotes of the --client value, without disabled protocols; nullopt + error if none is usable.
    static std::optional<QList<OpenVpnArguments::Remote>> parseRemotes(const QString &value,
                                                                       const QStringList &disabled, QString *error);

    ClientModeTunnel(OpenVpnArguments::Common common, QList<OpenVpnArguments::Remote> remotes, QString runDir,
                     QObject *parent = nullptr);
    ~ClientModeTunnel() override;

    // Program and leading arguments; default {"openvpn"} (tests: a stand-in).
    void setCommand(const QStringList &command) { m_command = command; }
    bool start(QString *error);
    void stop();
    bool isConnected() const { return m_connected; }

Q_SIGNALS:
    void connectedChanged(bool connected);

private:
    bool spawn(QString *error);
    void setConnected(bool connected);

    OpenVpnArguments::Common m_common;
    QList<OpenVpnArguments::Remote> m_remotes;
    QString m_runDir;
    QStringList m_command{QStringLiteral("openvpn")};
    OpenVpnProcess *m_process = nullptr;
    QTimer m_restart;
    int m_delayMs = 1000;
    bool m_stopping = false;
    bool m_connected = false;
};

} // namespace re6st::daemon
