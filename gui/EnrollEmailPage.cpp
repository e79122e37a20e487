// SPDX-License-Identifier: GPL-2.0-or-later
#include "EnrollEmailPage.h"

#include "EnrollWizard.h"

#include <QLabel>
#include <QLineEdit>
#include <QRadioButton>
#include <QVBoxLayout>

namespace re6st::gui {

EnrollEmailPage::EnrollEmailPage(QWidget *parent)
    : QWizardPage(parent), m_byMail(new QRadioButton(tr("Send a token to my &email address:"), this)),
      m_anonymous(new QRadioButton(tr("Join &anonymously (only if the network allows it)"), this)),
      m_email(new QLineEdit(this)), m_call(this)
{
    setTitle(tr("Email"));
    setSubTitle(tr("The registry mails you a token that proves your address."));
    m_byMail->setObjectName(QStringLiteral("byMail"));
    m_anonymous->setObjectName(QStringLiteral("anonymous"));
    m_email->setObjectName(QStringLiteral("email"));
    m_email->setPlaceholderText(tr("you@example.com"));
    m_byMail->setChecked(true);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_byMail);
    layout->addWidget(m_email);
    layout->addWidget(m_anonymous);
    layout->addWidget(m_call.statusLabel());
    layout->addWidget(m_call.errorLabel());
    layout->addStretch();
    registerField(QStringLiteral("email"), m_email);
    registerField(QStringLiteral("anonymous"), m_anonymous);
    const auto changed = [this] {
        m_call.clearError();
        m_email->setEnabled(m_byMail->isChecked());
        Q_EMIT completeChanged();
    };
    connect(m_email, &QLineEdit::textChanged, this, changed);
    connect(m_byMail, &QRadioButton::toggled, this, changed);
}

bool EnrollEmailPage::isComplete() const
{
    return !m_call.pending() && (m_anonymous->isChecked() || !m_email->text().trimmed().isEmpty());
}

int EnrollEmailPage::nextId() const
{
    return m_anonymous->isChecked() ? EnrollWizard::ProgressPageId : EnrollWizard::TokenPageId;
}

void EnrollEmailPage::initializePage()
{
    m_call.leave();
}

void EnrollEmailPage::cleanupPage()
{
    QWizardPage::cleanupPage(); // resets the fields
    m_call.leave();
}

bool EnrollEmailPage::validatePage()
{
    if (m_anonymous->isChecked())
        return true;
    auto *w = qobject_cast<EnrollWizard *>(wizard());
    return m_call.validate(w, QStringLiteral("RequestToken"), {w->registry, w->fingerprint, m_email->text().trimmed()},
                           EnrollWizard::kLongCallTimeoutMs, tr("Asking the registry to send the token…"), [](const QDBusMessage &) {});
}

} // namespace re6st::gui
