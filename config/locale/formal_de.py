# ruff: noqa: E501  (a table of translations: one message per line reads best)
"""Write config/locale/allauth/de/LC_MESSAGES/django.po: django-allauth's German speaks to the
reader with «du» in some messages and «Sie» in others, and writes «Email» beside «E-Mail»;
Kabinet says «Sie» and «E-Mail» everywhere (see the glossary in translate_de.py). The messages
below replace allauth's. That folder is
second in LOCALE_PATHS: above allauth's own catalogue, below ours, and makemessages never
writes to it.

    .venv/bin/python config/locale/formal_de.py     (again after upgrading allauth: it lists
                                                      any informal German allauth has added)
"""

import re
from pathlib import Path

import allauth
import polib

HERE = Path(__file__).parent
INFORMAL = re.compile(
    r"\b(du|Du|dein\w*|Dein\w*|dich|Dich|dir|Dir|bist|hast|kannst|musst|möchtest|gib|Gib|klicke)\b"
    r"|\bEmail|Mailadresse"
)

FORMAL = {
    # E-Mail as Duden writes it (allauth also has «Email», «E-Mailadresse»)
    "Email Address": "E-Mail-Adresse",
    "Change Email": "E-Mail ändern",
    "Removed email address %(email)s.": "E-Mail-Adresse %(email)s entfernt.",
    "Primary email address set.": "Primäre E-Mail-Adresse festgelegt.",
    "The following email address is associated with your account:": "Die folgende E-Mail-Adresse ist mit Ihrem Konto verknüpft:",
    # «Sie», not «du»
    "You cannot remove your primary email address.": "Sie können Ihre primäre E-Mail-Adresse nicht entfernen.",
    "Please type your current password.": "Bitte geben Sie Ihr aktuelles Passwort ein.",
    "You cannot add more than %d email addresses.": "Sie können nicht mehr als %d E-Mail-Adressen hinzufügen.",
    "Your primary email address must be verified.": "Ihre primäre E-Mail-Adresse muss bestätigt sein.",
    "Be patient, you are sending too many requests.": "Bitte haben Sie etwas Geduld: Sie senden zu viele Anfragen.",
    "You must type the same password each time.": "Sie müssen beide Male dasselbe Passwort eingeben.",
    "You must type the same email each time.": "Sie müssen beide Male dieselbe E-Mail-Adresse eingeben.",
    "View your user ID": "Ihre Benutzer-ID ansehen",
    "View your email address": "Ihre E-Mail-Adresse ansehen",
    "View your basic profile information": "Ihre grundlegenden Profilinformationen ansehen",
    "The scope(s) the client is allowed to request. Provide one value per line, e.g.: openid(ENTER)profile(ENTER)email(ENTER)": "Die Geltungsbereiche, die der Client anfordern darf. Geben Sie einen Wert pro Zeile an, z. B.: openid(ENTER)profile(ENTER)email(ENTER)",
    "In case the client does not specify any scope, these default scopes are used. Provide one value per line, e.g.: openid(ENTER)profile(ENTER)email(ENTER)": "Falls der Client keinen Geltungsbereich angibt, werden diese Standard-Geltungsbereiche verwendet. Geben Sie einen Wert pro Zeile an, z. B.: openid(ENTER)profile(ENTER)email(ENTER)",
    "A list of allowed grant types. Provide one value per line, e.g.: authorization_code(ENTER)client_credentials(ENTER)refresh_token(ENTER)": "Eine Liste erlaubter Grant-Typen. Geben Sie einen Wert pro Zeile an, z. B.: authorization_code(ENTER)client_credentials(ENTER)refresh_token(ENTER)",
    "A list of allowed response types. Provide one value per line, e.g.: code(ENTER)id_token token(ENTER)": "Eine Liste erlaubter Antworttypen. Geben Sie einen Wert pro Zeile an, z. B.: code(ENTER)id_token token(ENTER)",
    "You cannot add an email address to an account protected by two-factor authentication.": "Sie können keine E-Mail-Adresse zu einem Konto hinzufügen, das durch die Zwei-Faktor-Authentifizierung geschützt ist.",
    "An account already exists with this email address. Please sign in to that account first, then connect your %s account.": "Es gibt bereits ein Konto mit dieser E-Mail-Adresse. Bitte melden Sie sich zuerst bei diesem Konto an und verknüpfen Sie dann Ihr %s-Konto.",
    "Your account has no password set up.": "Für Ihr Konto ist noch kein Passwort festgelegt.",
    "Your account has no verified email address.": "Ihr Konto hat keine bestätigte E-Mail-Adresse.",
    "Do you really want to remove the selected email address?": "Möchten Sie die ausgewählte E-Mail-Adresse wirklich entfernen?",
    "You are receiving this email because you or someone else tried to signup for an\naccount using email address:\n\n%(email)s\n\nHowever, an account using that email address already exists.  In case you have\nforgotten about this, please use the password forgotten procedure to recover\nyour account:\n\n%(password_reset_url)s": "Sie erhalten diese E-Mail, weil Sie oder jemand anderes versucht hat, ein Konto\nmit dieser E-Mail-Adresse zu registrieren:\n\n%(email)s\n\nEin Konto mit dieser E-Mail-Adresse gibt es jedoch bereits. Falls Sie das\nvergessen haben, stellen Sie Ihr Konto über „Passwort vergessen“ wieder her:\n\n%(password_reset_url)s",
    "Thank you for using %(site_name)s!\n%(site_domain)s": "Vielen Dank, dass Sie %(site_name)s nutzen!\n%(site_domain)s",
    "Please Confirm Your Email Address": "Bitte bestätigen Sie Ihre E-Mail-Adresse",
    "Your password has been changed.": "Ihr Passwort wurde geändert.",
    "You're receiving this email because you or someone else has requested a password reset for your user account.\nIt can be safely ignored if you did not request a password reset. Click the link below to reset your password.": "Sie erhalten diese E-Mail, weil Sie oder jemand anderes das Zurücksetzen des Passworts für Ihr Konto angefordert hat.\nWenn Sie das nicht angefordert haben, können Sie diese Nachricht ignorieren. Klicken Sie auf den Link unten, um Ihr Passwort zurückzusetzen.",
    "In case you forgot, your username is %(username)s.": "Falls Sie es vergessen haben: Ihr Benutzername lautet %(username)s.",
    "Your email address is still pending verification.": "Ihre E-Mail-Adresse wartet noch auf Bestätigung.",
    'This email confirmation link expired or is invalid. Please <a href="%(email_url)s">issue a new email confirmation request</a>.': 'Dieser Bestätigungslink ist abgelaufen oder ungültig. Bitte <a href="%(email_url)s">fordern Sie eine neue Bestätigungs-E-Mail an</a>.',
    "If you have not created an account yet, then please %(link)ssign up%(end_link)s first.": "Sie haben noch kein Konto? Dann %(link)sregistrieren Sie sich%(end_link)s bitte zuerst.",
    "Are you sure you want to sign out?": "Möchten Sie sich wirklich abmelden?",
    "You cannot remove your primary email address (%(email)s).": "Sie können Ihre primäre E-Mail-Adresse (%(email)s) nicht entfernen.",
    "You have confirmed %(email)s.": "Sie haben %(email)s bestätigt.",
    "You have signed out.": "Sie haben sich abgemeldet.",
    "Forgotten your password? Enter your email address below, and we'll send you an email allowing you to reset it.": "Passwort vergessen? Geben Sie unten Ihre E-Mail-Adresse ein, dann senden wir Ihnen eine E-Mail, mit der Sie es zurücksetzen können.",
    "We have sent you an email. If you have not received it please check your spam folder. Otherwise contact us if you do not receive it in a few minutes.": "Wir haben Ihnen eine E-Mail gesendet. Wenn Sie sie nicht erhalten haben, sehen Sie bitte in Ihrem Spam-Ordner nach. Kommt sie auch in ein paar Minuten nicht an, wenden Sie sich bitte an uns.",
    'The password reset link was invalid, possibly because it has already been used.  Please request a <a href="%(passwd_reset_url)s">new password reset</a>.': 'Der Link zum Zurücksetzen des Passworts ist ungültig, womöglich wurde er bereits verwendet. Bitte fordern Sie ein <a href="%(passwd_reset_url)s">neues Zurücksetzen des Passworts</a> an.',
    "Your password is now changed.": "Ihr Passwort ist jetzt geändert.",
    "Your phone number is still pending verification.": "Ihre Telefonnummer wartet noch auf Bestätigung.",
    "Already have an account? Then please %(link)ssign in%(end_link)s.": "Sie haben bereits ein Konto? Dann %(link)smelden Sie sich an%(end_link)s.",
    "You are already logged in as %(user_display)s.": "Sie sind bereits als %(user_display)s angemeldet.",
    "You currently do not have any email address set up. You should really add an email address so you can receive notifications, reset your password, etc.": "Sie haben derzeit keine E-Mail-Adresse hinterlegt. Fügen Sie unbedingt eine hinzu, damit Sie Benachrichtigungen erhalten, Ihr Passwort zurücksetzen können usw.",
    "Verify Your Email Address": "Bestätigen Sie Ihre E-Mail-Adresse",
    "We have sent an email to you for verification. Follow the link provided to finalize the signup process. If you do not see the verification email in your main inbox, check your spam folder. Please contact us if you do not receive the verification email within a few minutes.": "Wir haben Ihnen eine E-Mail zur Bestätigung gesendet. Folgen Sie dem Link darin, um die Registrierung abzuschließen. Wenn Sie die E-Mail nicht in Ihrem Posteingang finden, sehen Sie in Ihrem Spam-Ordner nach. Kommt sie auch in ein paar Minuten nicht an, wenden Sie sich bitte an uns.",
    "This part of the site requires us to verify that\nyou are who you claim to be. For this purpose, we require that you\nverify ownership of your email address. ": "Für diesen Bereich müssen wir sicherstellen,\ndass Sie die Person sind, die Sie vorgeben zu sein. Dazu\nbestätigen Sie bitte, dass Ihnen Ihre E-Mail-Adresse gehört. ",
    "We have sent an email to you for\nverification. Please click on the link inside that email. If you do not see the verification email in your main inbox, check your spam folder. Otherwise\ncontact us if you do not receive it within a few minutes.": "Wir haben Ihnen eine E-Mail zur\nBestätigung gesendet. Bitte klicken Sie auf den Link in dieser E-Mail. Wenn Sie sie nicht in Ihrem Posteingang finden, sehen Sie in Ihrem Spam-Ordner nach. Andernfalls\nwenden Sie sich an uns, wenn sie nicht innerhalb weniger Minuten ankommt.",
    '<strong>Note:</strong> you can still <a href="%(email_url)s">change your email address</a>.': '<strong>Hinweis:</strong> Sie können Ihre <a href="%(email_url)s">E-Mail-Adresse noch ändern</a>.',
    "%(client_name)s wants to access your %(site_name)s account.": "%(client_name)s möchte auf Ihr Konto bei %(site_name)s zugreifen.",
    "Enter the code displayed on your device.": "Geben Sie den auf Ihrem Gerät angezeigten Code ein.",
    "Please confirm the code shown on your %(client_name)s to authorize this device.": "Bitte bestätigen Sie den auf Ihrem %(client_name)s angezeigten Code, um dieses Gerät zu autorisieren.",
    "You successfully authorized your %(client_name)s device.": "Sie haben Ihr Gerät %(client_name)s erfolgreich autorisiert.",
    "Authorization for your %(client_name)s device has been denied.": "Die Autorisierung für Ihr Gerät %(client_name)s wurde abgelehnt.",
    "Your account is protected by two-factor authentication. Please enter an authenticator code:": "Ihr Konto ist durch die Zwei-Faktor-Authentifizierung geschützt. Bitte geben Sie einen Code aus Ihrer Authenticator-App ein:",
    "You are about to generate a new set of recovery codes for your account.": "Sie sind dabei, einen neuen Satz Wiederherstellungscodes für Ihr Konto zu erstellen.",
    "You are about to deactivate authenticator app based authentication. Are you sure?": "Sie sind dabei, die Anmeldung per Authenticator-App zu deaktivieren. Sind Sie sicher?",
    "This key does not indicate whether it is a passkey.": "Dieser Schlüssel gibt nicht an, ob es sich um einen Passkey handelt.",
    "You are about to connect a new third-party account from %(provider)s.": "Sie sind dabei, ein neues Drittanbieter-Konto von %(provider)s zu verknüpfen.",
    "You are about to sign in using a third-party account from %(provider)s.": "Sie sind dabei, sich mit einem Drittanbieter-Konto von %(provider)s anzumelden.",
    'You decided to cancel logging in to our site using one of your existing accounts. If this was a mistake, please proceed to <a href="%(login_url)s">sign in</a>.': 'Sie haben die Anmeldung mit einem Ihrer bestehenden Konten abgebrochen. Falls das ein Versehen war, <a href="%(login_url)s">melden Sie sich hier an</a>.',
    "You are about to use your %(provider_name)s account to login to\n%(site_name)s. As a final step, please complete the following form:": "Sie verwenden Ihr %(provider_name)s-Konto, um sich bei\n%(site_name)s anzumelden. Füllen Sie zum Abschluss bitte das folgende Formular aus:",
    "You are receiving this email because you or someone else has requested a\npassword for your user account. However, we do not have any record of a user\nwith email %(email)s in our database.\n\nThis mail can be safely ignored if you did not request a password reset.\n\nIf it was you, you can sign up for an account using the link below.": "Sie erhalten diese E-Mail, weil Sie oder jemand anderes ein Passwort für Ihr\nBenutzerkonto angefordert hat. Wir haben jedoch keinen Benutzer\nmit der E-Mail-Adresse %(email)s.\n\nWenn Sie kein Zurücksetzen des Passworts angefordert haben, können Sie diese E-Mail ignorieren.\n\nWenn Sie es waren, können Sie sich über den Link unten registrieren.",
    'Please sign in with one\nof your existing third party accounts. Or, <a href="%(signup_url)s">sign up</a>\nfor a %(site_name)s account and sign in below:': 'Bitte melden Sie sich mit einem\nIhrer bestehenden Drittanbieter-Konten an. Oder <a href="%(signup_url)s">registrieren Sie sich</a>\nfür ein Konto bei %(site_name)s und melden Sie sich unten an:',
    "We have sent you an e-mail. Please contact us if you do not receive it within a few minutes.": "Wir haben Ihnen eine E-Mail gesendet. Bitte wenden Sie sich an uns, wenn sie nicht innerhalb weniger Minuten ankommt.",
    "This username is already taken. Please choose another.": "Dieser Benutzername ist bereits vergeben. Bitte wählen Sie einen anderen.",
    'You have confirmed that <a href="mailto:%(email)s">%(email)s</a> is an e-mail address for user %(user_display)s.': 'Sie haben bestätigt, dass <a href="mailto:%(email)s">%(email)s</a> eine E-Mail-Adresse von %(user_display)s ist.',
    "Thanks for using our site!": "Vielen Dank, dass Sie unsere Website nutzen!",
}


def main() -> None:
    source = Path(allauth.__file__).parent / "locale" / "de" / "LC_MESSAGES" / "django.po"
    catalogue = polib.POFile()
    catalogue.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Language": "de",
        "Plural-Forms": "nplurals=2; plural=(n != 1);",
    }
    for entry in polib.pofile(str(source)):
        if entry.msgid in FORMAL:
            catalogue.append(
                polib.POEntry(msgctxt=entry.msgctxt, msgid=entry.msgid, msgstr=FORMAL[entry.msgid])
            )
        elif INFORMAL.search(entry.msgstr or " ".join(entry.msgstr_plural.values())):
            print(f"not in our voice, not replaced: {entry.msgid!r}")  # noqa: T201
    target = HERE / "allauth" / "de" / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    catalogue.save(str(target / "django.po"))
    catalogue.save_as_mofile(str(target / "django.mo"))


if __name__ == "__main__":
    main()
