# ruff: noqa: E501  (a table of translations: one message per line reads best)
"""Fill config/locale/ru/LC_MESSAGES/django.po from RU below, then compile the .mo file.

    .venv/bin/python manage.py makemessages -l ru --ignore '.venv/*' --ignore 'tests/*'
    .venv/bin/python config/locale/translate_ru.py

Kept beside the catalogue so a developer can add strings without a translation tool; a
translator may equally edit the .po file directly (this script never overwrites a non-empty msgstr).
"""

from pathlib import Path

import polib

RU = {
    "Use a colour like #1a6b5c.": "Укажите цвет в виде #1a6b5c.",
    "System (fast, native)": "Системный (быстрый, родной)",
    "Serif (classic)": "С засечками (классический)",
    "Rounded (friendly)": "Округлый (дружелюбный)",
    "Monospace (technical)": "Моноширинный (технический)",
    "name shown to clients": "название для клиентов",
    "tagline": "слоган",
    "welcome text": "приветствие",
    "logo": "логотип",
    "Welcome": "Добро пожаловать",
    "Information": "Информация",
    "title": "заголовок",
    "text": "текст",
    "name": "название",
    "per item": "за штуку",
    "per night": "за ночь",
    "per person": "за человека",
    "per hour": "за час",
    "per lesson": "за урок",
    "per month": "в месяц",
    "description": "описание",
    "price": "цена",
    "Excursion": "Экскурсия",
    "Event": "Мероприятие",
    "Class": "Занятие",
    "Appointment": "Запись",
    "where": "где",
    "starts": "начало",
    "ends": "окончание",
    "places": "мест",
    "The logo must be an image of at most 2 MB.": "Логотип — изображение не больше 2 МБ.",
    "This file is not an image we can read.": "Этот файл не похож на изображение.",
    "Upload a PNG, JPEG, WebP or GIF image.": "Загрузите изображение PNG, JPEG, WebP или GIF.",
    "Set up the cabinet's branding first.": "Сначала настройте оформление кабинета.",
    "Platform admin %(by)s is working in this cabinet as its owner.": "Администратор платформы %(by)s работает в кабинете от имени владельца.",
    "This cabinet is read-only for now: you can look, but nothing can be changed.": "Кабинет сейчас только для чтения: смотреть можно, изменять — нет.",
    "A payment for this cabinet failed. Update the payment details to keep it running.": "Платёж за кабинет не прошёл. Обновите платёжные данные, чтобы кабинет продолжил работу.",
    "%(slug)s.%(domain)s is free": "%(slug)s.%(domain)s свободен",
    "Create your cabinet": "Создайте свой кабинет",
    "One form, and you are working in your own branded cabinet a second later. Free trial, "
    "no card needed.": "Одна форма — и через секунду вы работаете в собственном кабинете "
    "с вашим фирменным стилем. Пробный период, без карты.",
    "Create my cabinet": "Создать кабинет",
    "Staff": "Сотрудники",
    "Client view": "Как видит клиент",
    "Sign out": "Выйти",
    "Opening your cabinet": "Открываем ваш кабинет",
    "Opening your cabinet…": "Открываем ваш кабинет…",
    "Continue": "Продолжить",
    "This link no longer works": "Эта ссылка больше не действует",
    "Sign-in links work once and for one minute. Sign in with your email and password instead.": "Ссылка для входа действует один раз и одну минуту. Войдите по email и паролю.",
    "Sign in": "Войти",
    "Back office": "Рабочее место",
    "Hello, %(name)s": "Здравствуйте, %(name)s",
    'Your clients\' cabinet is live at <a href="/">%(host)s</a>.': 'Кабинет ваших клиентов работает по адресу <a href="/">%(host)s</a>.',
    "You are on a free trial.": "У вас бесплатный пробный период.",
    "clients": "клиентов",
    "staff": "сотрудников",
    "services and products": "услуг и товаров",
    "upcoming events": "ближайших мероприятий",
    "information pages": "информационных страниц",
    "First steps": "Первые шаги",
    "Look at your cabinet as a client sees it, on your phone.": "Посмотрите на кабинет глазами клиента — с телефона.",
    "Open the client view": "Открыть клиентский вид",
    "Your cabinet starts with sample services, pages and events for your kind of business: "
    "keep, edit or delete them.": "В кабинете уже есть примеры услуг, страниц и мероприятий "
    "для вашего вида бизнеса: оставьте, измените или удалите их.",
    "Send your clients the cabinet's address; they register in a minute.": "Отправьте клиентам адрес кабинета — регистрация займёт минуту.",
    "email": "email",
    "full name": "имя и фамилия",
    "active": "активен",
    "language": "язык",
    "joined": "зарегистрирован",
    "This address is already taken.": "Этот адрес уже занят.",
    "Business name": "Название бизнеса",
    "As your clients know it, e.g. “Sunrise Hotel”.": "Так, как его знают клиенты, например «Отель Восход».",
    "Cabinet address": "Адрес кабинета",
    "Latin letters, digits and hyphens, e.g. sunrise-hotel.": "Латинские буквы, цифры и дефисы, например sunrise-hotel.",
    "Kind of business": "Вид бизнеса",
    "Your email": "Ваш email",
    "Password": "Пароль",
    "At least 8 characters; a long passphrase is best.": "Не меньше 8 символов; лучше всего — длинная фраза.",
    "Language": "Язык",
    "Enter the business's name.": "Укажите название бизнеса.",
    "Say why: the reason goes into the audit log.": "Укажите причину: она попадёт в журнал аудита.",
    "A tenant cannot go from %(from)s to %(to)s.": "Нельзя перевести кабинет из «%(from)s» в «%(to)s».",
    "Hotel": "Отель",
    "Shop": "Магазин",
    "School": "Школа",
    "Trial": "Пробный период",
    "Active": "Активен",
    "Past due": "Просрочен платёж",
    "Grace period": "Отсрочка",
    "Read-only": "Только чтение",
    "Suspended": "Приостановлен",
    "Archived": "В архиве",
    "Purged": "Удалён",
    "Provisioned": "Создан",
    "Status changed": "Статус изменён",
    "Impersonation started": "Вход от имени владельца",
    "Domain changed": "Домен изменён",
    "Data exported": "Данные выгружены",
    "This cabinet is read-only for now: nothing can be changed.": "Кабинет сейчас только для чтения: ничего изменить нельзя.",
    "Only an archived tenant can be purged.": "Удалить можно только кабинет из архива.",
    "Type the tenant's address to confirm.": "Для подтверждения введите адрес кабинета.",
    "The retention period runs until %(date)s.": "Срок хранения истекает %(date)s.",
    "No export of this tenant's data is kept yet.": "Выгрузка данных кабинета ещё не сохранена.",
    "The address must be %(min)d to %(max)d characters long.": "Адрес должен содержать от %(min)d до %(max)d символов.",
    "Use Latin letters, digits and hyphens; start and end with a letter or digit.": "Используйте латинские буквы, цифры и дефисы; начинайте и заканчивайте буквой или цифрой.",
    "This address is not available.": "Этот адрес недоступен.",
    "This address is reserved.": "Этот адрес зарезервирован.",
}


def main() -> None:
    path = Path(__file__).parent / "ru" / "LC_MESSAGES" / "django.po"
    catalogue = polib.pofile(str(path))
    missing = []
    for entry in catalogue:
        if not entry.msgstr and entry.msgid in RU:
            entry.msgstr = RU[entry.msgid]
        if "fuzzy" in entry.flags and entry.msgid in RU:
            entry.flags.remove("fuzzy")
            entry.msgstr = RU[entry.msgid]
        if not entry.msgstr:
            missing.append(entry.msgid)
    catalogue.save(str(path))
    catalogue.save_as_mofile(str(path.with_suffix(".mo")))
    for msgid in missing:
        print(f"untranslated: {msgid!r}")  # noqa: T201


if __name__ == "__main__":
    main()
