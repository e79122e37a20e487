// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "PageCall.h"

#include <QWizardPage>

class QLineEdit;
class QRadioButton;

namespace re6st::gui {

// Third page of EnrollWizard: the email address the registry mails a token to, or
// anonymous enrollment. Leaving it with an address calls RequestToken (asynchronously);
// a failure stays on this page with the reason.
class EnrollEmailPage final : public QWizardPage
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EnrollEmailPage)
public:
    explicit EnrollEmailPage(QWidget *parent = nullptr);
    void initializePage() override;
    void cleanupPage() override;
    bool validatePage() override;
    bool isComplete() const override;
    int nextId() const override;

    QLineEdit *emailEdit() const { return m_email; }
    QRadioButton *byMailButton() const { return m_byMail; }
    QRadioButton *anonymousButton() const { return m_anonymous; }
    QString error() const { return m_call.error(); }
    bool busy() const { return m_call.pending(); }

private:
    QRadioButton *m_byMail;
    QRadioButton *m_anonymous;
    QLineEdit *m_email;
    PageCall m_call;
};

} // namespace re6st::gui
