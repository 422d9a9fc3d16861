// Warnings while typing, before the form is sent: Caps Lock is on, or the keyboard is in the
// wrong layout — Cyrillic where Latin was expected, or Latin where Cyrillic was expected:
//  - a password in the other layout than the one this device last set it in (a password with
//    Cyrillic letters is remembered as such on this device, in this cabinet; nothing else is
//    kept, never the password itself), or Cyrillic in a password with no such memory;
//  - an email address typed in Cyrillic ("пгуые" for "guest"), with the Latin reading offered;
//  - on a Russian page, a name typed in Latin that reads as Russian in the other layout
//    ("Bdfyjd" for "Иванов"), with the Cyrillic reading offered.
// It only warns: any characters are allowed in a password.
(function () {
  "use strict";
  const LATIN = "`qwertyuiop[]asdfghjkl;'zxcvbnm,./~QWERTYUIOP{}ASDFGHJKL:\"ZXCVBNM<>?@#$^&";
  const CYRILLIC = "ёйцукенгшщзхъфывапролджэячсмитьбю.ЁЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮ,\"№;:?";
  const MEMORY_KEY = "kabinet.password-layout";
  const lang = (document.documentElement.lang || "en").slice(0, 2);
  const TEXTS = {
    en: {
      caps: "Caps Lock is on.",
      cyrillic: "Your keyboard seems to be in the Cyrillic layout: is that what you meant to type?",
      latin: "On this device your password was set in the Cyrillic layout, but the keyboard now types Latin letters.",
      email: "This looks typed in the Cyrillic layout. Did you mean",
      name: "This looks typed in the English layout. Did you mean",
      use: "Use it",
    },
    ru: {
      caps: "Включён Caps Lock.",
      cyrillic: "Похоже, включена русская раскладка: вы точно хотели ввести это?",
      latin: "На этом устройстве пароль был задан в русской раскладке, а сейчас клавиатура печатает латиницей.",
      email: "Похоже, это набрано в русской раскладке. Вы имели в виду",
      name: "Похоже, это набрано в английской раскладке. Вы имели в виду",
      use: "Исправить",
    },
  };
  const text = TEXTS[lang] || TEXTS.en;
  const hasCyrillic = (value) => /[а-яё]/i.test(value);
  const hasLatin = (value) => /[a-z]/i.test(value);

  function convert(value, from, to) {
    let out = "";
    for (const ch of value) {
      const at = from.indexOf(ch);
      out += at === -1 ? ch : to[at];
    }
    return out;
  }

  function vowelShare(value, vowels) {
    const letters = value.replace(/[^a-zа-яё]/gi, "");
    if (!letters) return 0;
    let count = 0;
    for (const ch of letters.toLowerCase()) if (vowels.includes(ch)) count += 1;
    return count / letters.length;
  }

  // Latin that is gibberish as English (almost no vowels, or layout punctuation inside words)
  // and reads as Russian in the other layout (a normal share of vowels).
  function looksLikeRussianInLatin(value) {
    const word = value.trim();
    if (word.length < 4 || hasCyrillic(word) || !hasLatin(word)) return null;
    const russian = convert(word, LATIN, CYRILLIC);
    const insideWord = /[a-z][;'\[\],.`][a-z]/i.test(word);
    const latinVowels = vowelShare(word, "aeiou");
    const russianVowels = vowelShare(russian, "аеёиоуыэюя");
    if ((insideWord || latinVowels < 0.2) && russianVowels >= 0.3 && russianVowels <= 0.65) {
      return russian;
    }
    return null;
  }

  function memory() {
    try {
      return JSON.parse(window.localStorage.getItem(MEMORY_KEY) || "{}");
    } catch (error) {
      return {};
    }
  }

  function remember(layout) {
    try {
      const stored = memory();
      stored[window.location.host] = layout;
      window.localStorage.setItem(MEMORY_KEY, JSON.stringify(stored));
    } catch (error) {
      // private mode: no memory, only the plain Cyrillic warning
    }
  }

  function box(input) {
    let element = document.querySelector('[data-warning-for="' + input.id + '"]');
    if (!element) {
      element = document.createElement("p");
      element.className = "field-warning";
      element.setAttribute("role", "status");
      element.dataset.warningFor = input.id;
      input.insertAdjacentElement("afterend", element);
    }
    return element;
  }

  function show(input, messages, suggestion) {
    const existing = document.querySelector('[data-warning-for="' + input.id + '"]');
    if (!messages.length && !existing) return;
    const element = existing || box(input);
    element.textContent = messages.join(" ");
    if (suggestion) {
      const value = document.createElement("strong");
      value.textContent = " " + suggestion + "? ";
      const button = document.createElement("button");
      button.type = "button";
      button.className = "link-button";
      button.textContent = text.use;
      button.addEventListener("click", function () {
        input.value = suggestion;
        input.dispatchEvent(new Event("input", { bubbles: true }));
        input.focus();
      });
      element.append(value, button);
    }
    element.hidden = element.textContent.length === 0;
  }

  function checkPassword(input, event) {
    const messages = [];
    if (event && event.getModifierState && event.getModifierState("CapsLock")) messages.push(text.caps);
    const expected = memory()[window.location.host];
    const isNew = input.autocomplete === "new-password";
    if (hasCyrillic(input.value) && (isNew || expected !== "cyrillic")) messages.push(text.cyrillic);
    if (!isNew && expected === "cyrillic" && hasLatin(input.value) && !hasCyrillic(input.value)) {
      messages.push(text.latin);
    }
    show(input, messages, null);
  }

  function checkLogin(input) {
    const value = input.value;
    if (!hasCyrillic(value) || !/[а-яё"]{2,}/i.test(value)) return show(input, [], null);
    show(input, [text.email], convert(value, CYRILLIC, LATIN).replace(/"/g, "@"));
  }

  function checkName(input) {
    if (lang !== "ru") return;
    const russian = looksLikeRussianInLatin(input.value);
    show(input, russian ? [text.name] : [], russian);
  }

  document.querySelectorAll("input[type=password]").forEach(function (input) {
    ["keyup", "keydown", "input"].forEach(function (name) {
      input.addEventListener(name, function (event) { checkPassword(input, event); });
    });
    if (input.autocomplete === "new-password" && input.form) {
      input.form.addEventListener("submit", function () {
        if (input.value) remember(hasCyrillic(input.value) ? "cyrillic" : "latin");
      });
    }
  });
  document.querySelectorAll("input[type=email], input[autocomplete=username], input[autocomplete=email]")
    .forEach(function (input) {
      input.addEventListener("input", function () { checkLogin(input); });
    });
  document.querySelectorAll("input[autocomplete=name], input[autocomplete=given-name], input[autocomplete=family-name]")
    .forEach(function (input) {
      input.addEventListener("input", function () { checkName(input); });
    });
})();
