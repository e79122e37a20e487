// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QWizardPage>

class QLabel;
class QLineEdit;

namespace re6st::gui {

// Fourth page of EnrollWizard: the token from the registry's mail. A token the registry
// refuses brings the wizard back here with the reason (showError).
class EnrollTokenPage final : public QWizardPage
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EnrollTokenPage)
public:
    explicit EnrollTokenPage(QWidget *parent = nullptr);
    void initializePage() override;
    bool validatePage() override;

    QLineEdit *tokenEdit() const { return m_token; }
    void showError(const QString &text);
    QString error() const;

private:
    QLabel *m_hint;
    QLineEdit *m_token;
    QLabel *m_error;
};

} // namespace re6st::gui
