// SPDX-License-Identifier: GPL-2.0-or-later
#include "EnrollRegistryPage.h"

#include "EnrollWizard.h"

#include <QDBusArgument>
#include <QDBusMetaType>
#include <QLabel>
#include <QLineEdit>
#include <QVBoxLayout>

namespace re6st::gui {

EnrollRegistryPage::EnrollRegistryPage(QWidget *parent)
    : QWizardPage(parent), m_url(new QLineEdit(this)), m_call(this)
{
    setTitle(tr("Registry"));
    setSubTitle(tr("Enter the address of the network's registry, as given by its administrator."));
    m_url->setObjectName(QStringLiteral("registry"));
    m_url->setPlaceholderText(tr("http://re6st.example.com/"));
    auto *layout = new QVBoxLayout(this);
    auto *label = new QLabel(tr("Registry &URL:"), this);
    label->setBuddy(m_url);
    layout->addWidget(label);
    layout->addWidget(m_url);
    layout->addWidget(m_call.statusLabel());
    layout->addWidget(m_call.errorLabel());
    layout->addStretch();
    connect(m_url, &QLineEdit::textChanged, this, [this] {
        m_call.clearError();
        Q_EMIT completeChanged();
    });
}

bool EnrollRegistryPage::isComplete() const
{
    return !m_call.pending() && !m_url->text().trimmed().isEmpty();
}

void EnrollRegistryPage::initializePage()
{
    m_call.leave();
}

void EnrollRegistryPage::cleanupPage()
{
    QWizardPage::cleanupPage(); // resets the fields
    m_call.leave();
}

bool EnrollRegistryPage::validatePage()
{
    const QString url = m_url->text().trimmed();
    auto *w = qobject_cast<EnrollWizard *>(wizard());
    return m_call.validate(w, QStringLiteral("FetchCa"), {url}, 60000, tr("Fetching the network's certificate…"),
                           [w, url](const QDBusMessage &reply) {
                               w->fingerprint = reply.arguments().value(0).toString();
                               w->caDetails = qdbus_cast<QVariantMap>(reply.arguments().value(1));
                               w->registry = w->caDetails.value(QStringLiteral("registry")).toString();
                               if (w->registry.isEmpty())
                                   w->registry = url;
                           });
}

} // namespace re6st::gui
