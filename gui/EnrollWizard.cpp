// SPDX-License-Identifier: GPL-2.0-or-later
#include "EnrollWizard.h"

#include "DaemonErrorText.h"
#include "EnrollEmailPage.h"
#include "EnrollFingerprintPage.h"
#include "EnrollProgressPage.h"
#include "EnrollRegistryPage.h"
#include "EnrollResultPage.h"
#include "EnrollTokenPage.h"
#include "enrollment1proxy.h"

#include <QDBusMessage>

namespace re6st::gui {

namespace {
const QString kService = QStringLiteral("org.re6st.Node");
const QString kPath = QStringLiteral("/org/re6st/Node");
const QString kInterface = QStringLiteral("org.re6st.Enrollment1");
} // namespace

EnrollWizard::EnrollWizard(const QDBusConnection &bus, QWidget *parent)
    : QWizard(parent), m_bus(bus), m_proxy(new Enrollment1Proxy(kService, kPath, bus, this))
{
    setWindowTitle(tr("Join a re6st network"));
    setOption(QWizard::NoBackButtonOnLastPage, true);
    setPage(RegistryPageId, new EnrollRegistryPage(this));
    setPage(FingerprintPageId, new EnrollFingerprintPage(this));
    setPage(EmailPageId, new EnrollEmailPage(this));
    setPage(TokenPageId, new EnrollTokenPage(this));
    setPage(ProgressPageId, new EnrollProgressPage(this));
    setPage(ResultPageId, new EnrollResultPage(this));
    setStartId(RegistryPageId);
}

EnrollWizard::~EnrollWizard() = default;

QDBusPendingCallWatcher *EnrollWizard::call(const QString &method, const QVariantList &args, int timeoutMs, QObject *context)
{
    QDBusMessage message = QDBusMessage::createMethodCall(kService, kPath, kInterface, method);
    message.setArguments(args);
    // polkit may ask the desktop user for a password (org.re6st.enroll).
    message.setInteractiveAuthorizationAllowed(true);
    m_timeouts.insert(method, timeoutMs);
    return new QDBusPendingCallWatcher(m_bus.asyncCall(message, timeoutMs), context);
}

QString EnrollWizard::errorText(const QString &errorName, const QString &daemonMessage)
{
    QString what;
    const QString n = errorName;
    if (n == QLatin1String("org.re6st.Error.NotAuthorized"))
        what = tr("You are not allowed to add this computer to a network: the system's policy (polkit) "
                  "refused it. Enter an administrator's password when asked, or ask an administrator "
                  "to allow “org.re6st.enroll” for you.");
    else if (n == QLatin1String("org.re6st.Error.InvalidArgument"))
        what = tr("Something you entered is not valid (see the details below); correct it and try again.");
    else if (n == QLatin1String("org.re6st.Error.RegistryUnreachable"))
        what = tr("The registry did not answer. Check the address (for example "
                  "“http://re6st.example.com/”) and your Internet connection, then try again.");
    else if (n == QLatin1String("org.re6st.Error.FingerprintMismatch"))
        what = tr("The registry now presents a different certificate than the one you confirmed. "
                  "Do not continue: go back to the start and check the fingerprint with the network's "
                  "administrator again.");
    else if (n == QLatin1String("org.re6st.Error.TokenRejected"))
        what = tr("The registry refused this token: it is wrong, already used or expired. Copy the token "
                  "from the latest mail exactly, or go back and ask for a new one.");
    else if (n == QLatin1String("org.re6st.Error.AlreadyEnrolled"))
        what = tr("This computer is already a member of a re6st network. Tick “Replace the current "
                  "certificate” to join this network instead, then try again.");
    else if (n == QLatin1String("org.re6st.Error.Busy"))
        // Another enrollment, or FetchCa over its cap: the daemon's message says which.
        what = tr("The re6st daemon is busy with another enrollment or certificate download (see the details "
                  "below); wait a moment and try again.");
    else if (n == QLatin1String("org.freedesktop.DBus.Error.ServiceUnknown")
             || n == QLatin1String("org.freedesktop.DBus.Error.NameHasNoOwner"))
        what = tr("The re6st daemon is not running; start the re6stnet service and try again.");
    else if (DaemonErrorText::daemonVanished(n, daemonMessage))
        what = tr("The re6st daemon stopped before answering: it restarted or crashed, so this step may or "
                  "may not have been done. Check its logs (journalctl -u re6stnet), then try again.");
    else if (n == QLatin1String("org.freedesktop.DBus.Error.NoReply")
             || n == QLatin1String("org.freedesktop.DBus.Error.Timeout"))
        what = tr("The re6st daemon did not answer in time; try again, and check its logs (journalctl -u re6stnet).");
    else
        what = tr("The enrollment failed; try again, and check the daemon's logs (journalctl -u re6stnet).");
    if (daemonMessage.isEmpty())
        return what;
    // The daemon's own words stay English (its logs are); they name the field or the cause.
    return tr("%1\n\nDetails: %2").arg(what, daemonMessage);
}

} // namespace re6st::gui
