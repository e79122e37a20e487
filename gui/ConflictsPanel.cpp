// SPDX-License-Identifier: GPL-2.0-or-later
#include "ConflictsPanel.h"

#include "DaemonErrorText.h"
#include "ValueText.h"
#include "hostnetwork1proxy.h"

#include <QDBusArgument>
#include <QDBusMessage>
#include <QDBusMetaType>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QDBusServiceWatcher>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSet>
#include <QVBoxLayout>

namespace re6st::gui {

namespace {
constexpr const char *kService = "org.re6st.Node";
constexpr const char *kPath = "/org/re6st/HostNetwork";
constexpr const char *kInterface = "org.re6st.HostNetwork1";
constexpr int kFixTimeoutMs = 5 * 60 * 1000; // the user may take time to type a password
const QString kProperties = QStringLiteral("org.freedesktop.DBus.Properties");

QList<QVariantMap> recordsOf(const QVariant &value)
{
    if (value.canConvert<QDBusArgument>())
        return qdbus_cast<QList<QVariantMap>>(value.value<QDBusArgument>());
    return value.value<QList<QVariantMap>>();
}
} // namespace

ConflictsPanel::ConflictsPanel(const QDBusConnection &bus, QWidget *parent)
    : QWidget(parent), m_bus(bus)
{
    qDBusRegisterMetaType<QList<QVariantMap>>();
    auto *layout = new QVBoxLayout(this);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setTextFormat(Qt::PlainText);
    m_error = new QLabel(this);
    m_error->setWordWrap(true);
    m_error->setTextFormat(Qt::PlainText); // names a connection, says what the daemon said (audit F7)
    m_error->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->hide();
    m_rows = new QVBoxLayout;
    layout->addWidget(m_status);
    layout->addLayout(m_rows);
    layout->addWidget(m_error);
    layout->addStretch(1);

    m_proxy = new HostNetwork1Proxy(QString::fromLatin1(kService), QString::fromLatin1(kPath), m_bus, this);
    if (!m_bus.isConnected()) {
        rebuild();
        return;
    }
    connect(m_proxy, &HostNetwork1Proxy::ConflictsChanged, this,
            [this](const QList<QVariantMap> &conflicts) { setConflicts(conflicts); });
    m_bus.connect(QString::fromLatin1(kService), QString::fromLatin1(kPath), kProperties,
                  QStringLiteral("PropertiesChanged"), this,
                  SLOT(onPropertiesChanged(QString,QVariantMap,QStringList)));
    m_watcher = new QDBusServiceWatcher(QString::fromLatin1(kService), m_bus,
                                        QDBusServiceWatcher::WatchForRegistration
                                            | QDBusServiceWatcher::WatchForUnregistration,
                                        this);
    connect(m_watcher, &QDBusServiceWatcher::serviceRegistered, this, &ConflictsPanel::refresh);
    connect(m_watcher, &QDBusServiceWatcher::serviceUnregistered, this, [this] {
        m_daemon = false;
        m_networkManager = false;
        setConflicts({});
    });
    refresh();
}

ConflictsPanel::~ConflictsPanel()
{
    if (m_bus.isConnected())
        m_bus.disconnect(QString::fromLatin1(kService), QString::fromLatin1(kPath), kProperties,
                         QStringLiteral("PropertiesChanged"), this,
                         SLOT(onPropertiesChanged(QString,QVariantMap,QStringList)));
}

void ConflictsPanel::refresh()
{
    if (!m_bus.isConnected())
        return;
    QDBusMessage call = QDBusMessage::createMethodCall(QString::fromLatin1(kService), QString::fromLatin1(kPath),
                                                       kProperties, QStringLiteral("GetAll"));
    call << QString::fromLatin1(kInterface);
    auto *watch = new QDBusPendingCallWatcher(m_bus.asyncCall(call), this);
    connect(watch, &QDBusPendingCallWatcher::finished, this, [this](QDBusPendingCallWatcher *w) {
        w->deleteLater();
        const QDBusPendingReply<QVariantMap> reply = *w;
        m_daemon = !reply.isError();
        if (reply.isError()) {
            m_networkManager = false;
            setConflicts({});
            return;
        }
        apply(reply.value());
    });
}

void ConflictsPanel::onPropertiesChanged(const QString &interface, const QVariantMap &changed, const QStringList &)
{
    if (interface == QLatin1String(kInterface))
        apply(changed);
}

void ConflictsPanel::apply(const QVariantMap &properties)
{
    m_daemon = true;
    if (properties.contains(QStringLiteral("NetworkManager")))
        m_networkManager = properties.value(QStringLiteral("NetworkManager")).toBool();
    if (properties.contains(QStringLiteral("Conflicts")))
        setConflicts(recordsOf(properties.value(QStringLiteral("Conflicts"))));
    else
        rebuild();
}

void ConflictsPanel::setConflicts(const QList<QVariantMap> &conflicts)
{
    // countChanged counts connections (one row each), not conflict records.
    const auto connections = [](const QList<QVariantMap> &records) {
        QSet<QString> uuids;
        for (const QVariantMap &c : records)
            uuids.insert(c.value(QStringLiteral("connection")).toString());
        return int(uuids.size());
    };
    const int before = connections(m_conflicts);
    m_conflicts = conflicts;
    rebuild();
    if (const int now = connections(m_conflicts); now != before)
        Q_EMIT countChanged(now);
}

QString ConflictsPanel::statusText() const
{
    return m_status->text();
}

QString ConflictsPanel::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void ConflictsPanel::rebuild()
{
    while (QLayoutItem *item = m_rows->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    if (!m_bus.isConnected())
        m_status->setText(tr("No D-Bus system bus: re6st-tray cannot reach the daemon."));
    else if (!m_daemon)
        m_status->setText(tr("The re6st daemon is not running, or too old to check NetworkManager."));
    else if (!m_networkManager)
        m_status->setText(tr("NetworkManager is not running: nothing to check."));
    else if (m_conflicts.isEmpty())
        m_status->setText(tr("No NetworkManager connection conflicts with re6st."));
    else
        m_status->setText(tr("These NetworkManager connections install IPv6 routes that compete with re6st. "
                             "\"Fix\" sets ipv6.ignore-auto-routes and ipv6.never-default on the connection "
                             "(administrator rights needed)."));

    // One row per connection, its problems listed under its name.
    QStringList order;
    QMap<QString, QList<QVariantMap>> byConnection;
    for (const QVariantMap &c : std::as_const(m_conflicts)) {
        const QString uuid = c.value(QStringLiteral("connection")).toString();
        if (!byConnection.contains(uuid))
            order << uuid;
        byConnection[uuid] << c;
    }
    for (const QString &uuid : std::as_const(order)) {
        const QList<QVariantMap> problems = byConnection.value(uuid);
        const QString name = problems.first().value(QStringLiteral("name")).toString();
        const QString iface = problems.first().value(QStringLiteral("interface")).toString();
        auto *row = new QFrame(this);
        row->setFrameShape(QFrame::StyledPanel);
        row->setObjectName(QStringLiteral("conflict-") + uuid);
        auto *h = new QHBoxLayout(row);
        QStringList lines;
        lines << (iface.isEmpty() ? tr("<b>%1</b>").arg(name.toHtmlEscaped())
                                  : tr("<b>%1</b> (interface %2)").arg(name.toHtmlEscaped(), iface.toHtmlEscaped()));
        for (const QVariantMap &p : problems) {
            const QString problem = p.value(QStringLiteral("problem")).toString();
            lines << (problem == QLatin1String("auto-routes")
                          ? tr("Routes learnt from router advertisements are installed (ipv6.ignore-auto-routes is off).")
                      : problem == QLatin1String("default-route")
                          ? tr("An IPv6 default route is installed (ipv6.never-default is off).")
                          : p.value(QStringLiteral("detail")).toString().toHtmlEscaped());
        }
        // Rich text, every value in it escaped above.
        auto *label = new QLabel(lines.join(QStringLiteral("<br>")), row);
        label->setTextFormat(Qt::RichText);
        label->setWordWrap(true);
        label->setToolTip(ValueText::toolTip(problems.first().value(QStringLiteral("fix")).toString()));
        auto *button = new QPushButton(m_busy == uuid ? tr("Fixing…") : tr("Fix"), row);
        button->setObjectName(QStringLiteral("fix"));
        button->setEnabled(m_busy.isEmpty());
        button->setToolTip(ValueText::toolTip(tr("Set ipv6.ignore-auto-routes and ipv6.never-default on \"%1\"").arg(name)));
        connect(button, &QPushButton::clicked, this, [this, uuid, name] { fix(uuid, name); });
        h->addWidget(label, 1);
        h->addWidget(button, 0, Qt::AlignTop);
        m_rows->addWidget(row);
    }
}

void ConflictsPanel::fix(const QString &uuid, const QString &name)
{
    if (!m_busy.isEmpty())
        return;
    m_busy = uuid;
    m_error->hide();
    rebuild();
    // Built from the proxy's target by hand: QDBusAbstractInterface (Qt 6.4) cannot
    // allow polkit's interactive authentication.
    QDBusMessage call = QDBusMessage::createMethodCall(m_proxy->service(), m_proxy->path(), m_proxy->interface(),
                                                       QStringLiteral("FixConflict"));
    call << uuid;
    call.setInteractiveAuthorizationAllowed(true);
    auto *watch = new QDBusPendingCallWatcher(m_bus.asyncCall(call, kFixTimeoutMs), this);
    connect(watch, &QDBusPendingCallWatcher::finished, this, [this, name](QDBusPendingCallWatcher *w) {
        w->deleteLater();
        m_busy.clear();
        const QDBusPendingReply<> reply = *w;
        if (reply.isError()) {
            m_error->setText(tr("Could not fix \"%1\": %2")
                                 .arg(name, DaemonErrorText::explain(reply.error().name(), reply.error().message())));
            m_error->show();
        }
        rebuild();
        refresh();
    });
}

} // namespace re6st::gui
