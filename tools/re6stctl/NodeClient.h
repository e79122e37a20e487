// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "enrollment1proxy.h"
#include "node1proxy.h"

#include <QDBusConnection>
#include <QList>
#include <QString>
#include <QVariantList>
#include <QVariantMap>

namespace re6st::ctl {

// The daemon seen from re6stctl: org.re6st.Node1 and org.re6st.Enrollment1 at
// org.re6st.Node /org/re6st/Node, through the proxies generated from dbus/*.xml.
// Queries wait kQueryTimeoutMs; actions allow interactive polkit authentication and
// wait kActionTimeoutMs (the user may be typing a password).
class NodeClient final
{
public:
    static constexpr int kQueryTimeoutMs = 25 * 1000;
    static constexpr int kActionTimeoutMs = 6 * 60 * 1000;
    static constexpr int kEnrollTimeoutMs = 10 * 60 * 1000;

    struct Reply
    {
        bool ok = false;
        QString errorName;
        QString errorMessage;
        QVariantList arguments;
    };

    explicit NodeClient(const QDBusConnection &bus);
    Q_DISABLE_COPY_MOVE(NodeClient)

    QDBusConnection bus() const { return m_bus; }
    Node1Proxy &node() { return m_node; }
    Enrollment1Proxy &enrollment() { return m_enrollment; }

    // org.freedesktop.DBus.Properties.GetAll("org.re6st.Node1"); arguments[0] a QVariantMap.
    Reply properties();
    // Peers, Tunnels, Routes or Neighbours; arguments[0] a QList<QVariantMap>.
    Reply records(const QString &method);
    static QList<QVariantMap> recordsOf(const Reply &reply);

    // Whether actions allow interactive polkit authentication (default: yes).
    void setInteractive(bool interactive) { m_interactive = interactive; }

    // A mutating method of `interface`, interactive authorization allowed unless
    // setInteractive(false). Blocks.
    Reply action(const QString &interface, const QString &method, const QVariantList &arguments,
                 int timeoutMs = kActionTimeoutMs);
    // The same message, for callers that run an event loop meanwhile (Progress signals).
    QDBusPendingCall actionAsync(const QString &interface, const QString &method,
                                 const QVariantList &arguments, int timeoutMs);
    static Reply fromMessage(const QDBusMessage &message);

private:
    QDBusConnection m_bus;
    Node1Proxy m_node;
    Enrollment1Proxy m_enrollment;
    bool m_interactive = true;
};

} // namespace re6st::ctl
