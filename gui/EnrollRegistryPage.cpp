// SPDX-License-Identifier: GPL-2.0-or-later
#include "EnrollRegistryPage.h"

#include "EnrollWizard.h"

#include <QDBusPendingReply>
#include <QLabel>
#include <QLineEdit>
#include <QVBoxLayout>

namespace re6st::gui {

EnrollRegistryPage::EnrollRegistryPage(QWidget *parent)
    : QWizardPage(parent), m_url(new QLineEdit(this)), m_status(new QLabel(this)), m_error(new QLabel(this))
{
    setTitle(tr("Registry"));
    setSubTitle(tr("Enter the address of the network's registry, as given by its administrator."));
    m_url->setObjectName(QStringLiteral("registry"));
    m_url->setPlaceholderText(tr("http://re6st.example.com/"));
    m_error->setObjectName(QStringLiteral("error"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_error->hide();
    auto *layout = new QVBoxLayout(this);
    auto *label = new QLabel(tr("Registry &URL:"), this);
    label->setBuddy(m_url);
    layout->addWidget(label);
    layout->addWidget(m_url);
    layout->addWidget(m_status);
    layout->addWidget(m_error);
    layout->addStretch();
    connect(m_url, &QLineEdit::textChanged, this, [this] {
        m_error->hide();
        Q_EMIT completeChanged();
    });
}

QString EnrollRegistryPage::error() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

bool EnrollRegistryPage::isComplete() const
{
    return !m_pending && !m_url->text().trimmed().isEmpty();
}

bool EnrollRegistryPage::validatePage()
{
    if (m_accepted) {
        m_accepted = false;
        return true;
    }
    if (m_pending)
        return false;
    auto *w = qobject_cast<EnrollWizard *>(wizard());
    m_pending = true;
    m_error->hide();
    m_status->setText(tr("Fetching the network's certificate…"));
    Q_EMIT completeChanged();
    QDBusPendingCallWatcher *watcher =
        w->call(QStringLiteral("FetchCa"), {m_url->text().trimmed()}, 60000, this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this, [this, w](QDBusPendingCallWatcher *call) {
        call->deleteLater();
        m_pending = false;
        m_status->clear();
        const QDBusPendingReply<QString, QVariantMap> reply = *call;
        if (reply.isError()) {
            m_error->setText(EnrollWizard::errorText(reply.error().name(), reply.error().message()));
            m_error->show();
            Q_EMIT completeChanged();
            return;
        }
        w->fingerprint = reply.argumentAt<0>();
        w->caDetails = reply.argumentAt<1>();
        w->registry = w->caDetails.value(QStringLiteral("registry")).toString();
        if (w->registry.isEmpty())
            w->registry = m_url->text().trimmed();
        Q_EMIT completeChanged();
        m_accepted = true;
        w->next();
    });
    return false;
}

} // namespace re6st::gui
