// SPDX-License-Identifier: GPL-2.0-or-later
#include "NodeClient.h"

#include <QDBusArgument>
#include <QDBusMessage>
#include <QDBusMetaType>
#include <QDBusPendingCall>

namespace re6st::ctl {

namespace {
const QString kService = QStringLiteral("org.re6st.Node");
const QString kPath = QStringLiteral("/org/re6st/Node");
} // namespace

NodeClient::NodeClient(const QDBusConnection &bus)
    : m_bus(bus), m_node(kService, kPath, bus), m_enrollment(kService, kPath, bus)
{
    qDBusRegisterMetaType<QList<QVariantMap>>();
    m_node.setTimeout(kQueryTimeoutMs);
    m_enrollment.setTimeout(kActionTimeoutMs);
}

NodeClient::Reply NodeClient::fromMessage(const QDBusMessage &message)
{
    Reply r;
    if (message.type() == QDBusMessage::ReplyMessage) {
        r.ok = true;
        r.arguments = message.arguments();
    } else if (message.type() == QDBusMessage::ErrorMessage) {
        r.errorName = message.errorName();
        r.errorMessage = message.errorMessage();
    } else {
        r.errorName = QStringLiteral("org.freedesktop.DBus.Error.NoReply");
        r.errorMessage = QStringLiteral("no reply");
    }
    return r;
}

NodeClient::Reply NodeClient::properties()
{
    QDBusMessage call = QDBusMessage::createMethodCall(kService, kPath,
                                                       QStringLiteral("org.freedesktop.DBus.Properties"),
                                                       QStringLiteral("GetAll"));
    call << QString::fromLatin1(Node1Proxy::staticInterfaceName());
    Reply r = fromMessage(m_bus.call(call, QDBus::Block, kQueryTimeoutMs));
    if (r.ok) {
        const QVariant first = r.arguments.value(0);
        QVariantMap map = first.canConvert<QDBusArgument>() ? qdbus_cast<QVariantMap>(first) : first.toMap();
        r.arguments = {map};
    }
    return r;
}

NodeClient::Reply NodeClient::records(const QString &method)
{
    QDBusPendingReply<QList<QVariantMap>> reply;
    if (method == QLatin1String("Peers"))
        reply = m_node.Peers();
    else if (method == QLatin1String("Tunnels"))
        reply = m_node.Tunnels();
    else if (method == QLatin1String("Routes"))
        reply = m_node.Routes();
    else
        reply = m_node.Neighbours();
    reply.waitForFinished();
    Reply r;
    if (reply.isError()) {
        r.errorName = reply.error().name();
        r.errorMessage = reply.error().message();
        return r;
    }
    r.ok = true;
    r.arguments = {QVariant::fromValue(reply.value())};
    return r;
}

QList<QVariantMap> NodeClient::recordsOf(const Reply &reply)
{
    return reply.arguments.value(0).value<QList<QVariantMap>>();
}

QDBusPendingCall NodeClient::actionAsync(const QString &interface, const QString &method,
                                         const QVariantList &arguments, int timeoutMs)
{
    QDBusMessage call = QDBusMessage::createMethodCall(kService, kPath, interface, method);
    call.setArguments(arguments);
    // polkit may ask the user for a password (auth_admin_keep): let it, unless told not to.
    call.setInteractiveAuthorizationAllowed(m_interactive);
    return m_bus.asyncCall(call, timeoutMs);
}

NodeClient::Reply NodeClient::action(const QString &interface, const QString &method,
                                     const QVariantList &arguments, int timeoutMs)
{
    QDBusPendingCall pending = actionAsync(interface, method, arguments, timeoutMs);
    pending.waitForFinished();
    return fromMessage(pending.reply());
}

} // namespace re6st::ctl
