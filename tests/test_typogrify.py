"""The typographer's fixes, case by case, in each language: what an editor types, and what
the book must read. Elisions, plural possessives, decades, primes, nested quotations,
quotations over several paragraphs, and Markdown's own marks left alone."""

from __future__ import annotations

import pytest

from toolchain.typogrify import fix_text

# Cases shared by the English languages: the apostrophe, primes, dashes and Markdown.
COMMON = [
    ("Don't go.", "Don’t go."),
    ("It's the keeper's boat.", "It’s the keeper’s boat."),
    ("The keepers' lights were lit.", "The keepers’ lights were lit."),
    ("'Tis the season.", "’Tis the season."),
    ("'Twas brillig.", "’Twas brillig."),
    ("Give 'em the rope.", "Give ’em the rope."),
    ("Rock 'n' roll.", "Rock ’n’ roll."),
    ("Wait 'til dawn.", "Wait ’til dawn."),
    ("In the '90s and the '20s.", "In the ’90s and the ’20s."),
    ("The rising of '45.", "The rising of ’45."),
    ("O'Brien and O'Neill.", "O’Brien and O’Neill."),
    ("The fo'c'sle was wet.", "The fo’c’sle was wet."),
    ("Six o'clock.", "Six o’clock."),
    ("He stood 6'2\" tall.", "He stood 6′2″ tall."),
    ("A board 5' 10\" long.", "A board 5′ 10″ long."),
    ("A 12\" long rule.", "A 12″ long rule."),
    ('An inch mark typed \\" stays.', 'An inch mark typed \\" stays.'),
    ("Müller's men.", "Müller’s men."),
    ("Wait -- no.", "Wait – no."),
    ("1917--1923", "1917–1923"),
    ("So---said he.", "So—said he."),
    ("And so...", "And so…"),
    ("`it's code` and it's not.", "`it's code` and it’s not."),
    ("*Pravda*{.title lang='ru'} isn't.", "*Pravda*{.title lang='ru'} isn’t."),
    ("[a link](https://example.org/it's) isn't.", "[a link](https://example.org/it's) isn’t."),
    ('![A boat](images/b.png "The keeper\'s boat")', '![A boat](images/b.png "The keeper’s boat")'),
    ("| a | b |\n|---|--:|\n| it's | 1 |", "| a | b |\n|---|--:|\n| it’s | 1 |"),
    ("Text.\n\n---\n\nMore.", "Text.\n\n---\n\nMore."),
    ("<!-- don't -->Don't.", "<!-- don't -->Don’t."),
    ("[^1]: It's a note.", "[^1]: It’s a note."),
    ("Curly ‘already’ and “so”.", "Curly ‘already’ and “so”."),
]

EN_GB = COMMON + [
    ('"Yes," he said.', "‘Yes,’ he said."),
    ("'Yes,' he said.", "‘Yes,’ he said."),
    ('He said, "No."', "He said, ‘No.’"),
    ('"He said \'no\' to me," she wrote.', "‘He said “no” to me,’ she wrote."),
    ("'He said \"no\" to me,' she wrote.", "‘He said “no” to me,’ she wrote."),
    ('"It\'s the keepers\' night," he said.', "‘It’s the keepers’ night,’ he said."),
    ('("In brackets")', "(‘In brackets’)"),
    ('— "a dash before"', "— ‘a dash before’"),
    ('"First paragraph.\n\n"Second paragraph."', "‘First paragraph.\n\n‘Second paragraph.’"),
    ('> "Quoted.\n>\n> "Still quoted."', "> ‘Quoted.\n>\n> ‘Still quoted.’"),
    ('"Unclosed.\n\nA new paragraph, \'then a quote\'.',
     "‘Unclosed.\n\nA new paragraph, ‘then a quote’."),
    ("The word 'freedom' was everywhere.", "The word ‘freedom’ was everywhere."),
    ('"\'Tis so," she said.', "‘’Tis so,’ she said."),
]

EN_US = COMMON + [
    ('"Yes," he said.', "“Yes,” he said."),
    ("'Yes,' he said.", "“Yes,” he said."),
    ('He said, "No."', "He said, “No.”"),
    ('"He said \'no\' to me," she wrote.', "“He said ‘no’ to me,” she wrote."),
    ('"It\'s the keepers\' night," he said.', "“It’s the keepers’ night,” he said."),
    ('("In brackets")', "(“In brackets”)"),
    ('"First paragraph.\n\n"Second paragraph."', "“First paragraph.\n\n“Second paragraph.”"),
    ('> "Quoted.\n>\n> "Still quoted."', "> “Quoted.\n>\n> “Still quoted.”"),
    ("The word 'freedom' was everywhere.", "The word “freedom” was everywhere."),
    ('"She cried \'Stop, thief!\'"', "“She cried ‘Stop, thief!’”"),
    ('"\'Tis so," she said.', "“’Tis so,” she said."),
    ('"Three levels: \'two, "three"\'."', "“Three levels: ‘two, “three”’.”"),
]

DE = [
    ('"Ja", sagte er.', "„Ja“, sagte er."),
    ("'Ja', sagte er.", "„Ja“, sagte er."),
    ('Er sagte: "Nein."', "Er sagte: „Nein.“"),
    ('"Er sagte \'nein\' zu mir", schrieb sie.', "„Er sagte ‚nein‘ zu mir“, schrieb sie."),
    ("Geht's dir gut?", "Geht’s dir gut?"),
    ("Wie geht's?", "Wie geht’s?"),
    ("Hans' Buch.", "Hans’ Buch."),
    ("Das war in den '20er Jahren.", "Das war in den ’20er Jahren."),
    ('("In Klammern")', "(„In Klammern“)"),
    ('"Erster Absatz.\n\n"Zweiter Absatz."', "„Erster Absatz.\n\n„Zweiter Absatz.“"),
    ('> "Zitat.\n>\n> "Weiter."', "> „Zitat.\n>\n> „Weiter.“"),
    ('Die Zeitung "Die Rote Fahne" erschien.', "Die Zeitung „Die Rote Fahne“ erschien."),
    ("Das Wort 'Novemberstimmung' fiel.", "Das Wort „Novemberstimmung“ fiel."),
    ("1917--1923", "1917–1923"),
    ("Also -- nein.", "Also – nein."),
    ("Und so...", "Und so…"),
    ("`code's` bleibt's.", "`code's` bleibt’s."),
    ("*Zentrale*{lang='de'} ist's.", "*Zentrale*{lang='de'} ist’s."),
    ("| a | b |\n|---|--:|\n| geht's | 1 |", "| a | b |\n|---|--:|\n| geht’s | 1 |"),
    ("Text.\n\n* * *\n\nMehr.", "Text.\n\n* * *\n\nMehr."),
    ("Ein 6'2\" großer Mann.", "Ein 6′2″ großer Mann."),
    ('"Drei Ebenen: \'zwei, "drei"\'."', "„Drei Ebenen: ‚zwei, „drei“‘.“"),
    ('"Er sagt\'s", sagte sie.', "„Er sagt’s“, sagte sie."),
    ("Bei Müller's.", "Bei Müller’s."),
    ("Der '45er Jahrgang.", "Der ’45er Jahrgang."),
    ('"Ja." "Nein."', "„Ja.“ „Nein.“"),
    ("So—'ja'—sagte er.", "So—„ja“—sagte er."),
    ("[^2]: Siehe \"Pravda\".", "[^2]: Siehe „Pravda“."),
    ('![Ein Boot](b.png "Das Boot\'s")', '![Ein Boot](b.png "Das Boot’s")'),
    ("<!-- geht's -->Geht's.", "<!-- geht's -->Geht’s."),
    ("[Link](https://example.org/a'b) geht's.", "[Link](https://example.org/a'b) geht’s."),
    ("Gerade „schon“ und ‚so‘.", "Gerade „schon“ und ‚so‘."),
    ("Kann's sein, dass's regnet?", "Kann’s sein, dass’s regnet?"),
    ('"Unvollendet.\n\nNeuer Absatz, \'Zitat\'.', "„Unvollendet.\n\nNeuer Absatz, „Zitat“."),
    ("Ein Zitat: 'Hier'.", "Ein Zitat: „Hier“."),
    ("Er rief: \"Halt!\"", "Er rief: „Halt!“"),
    ("Sie fragte: \"Wann?\"", "Sie fragte: „Wann?“"),
    ('(„schon da“) und "neu"', "(„schon da“) und „neu“"),
    ("Max' Hund.", "Max’ Hund."),
    ("Ein 12\" langes Rohr.", "Ein 12″ langes Rohr."),
]

FR = [
    ('"Oui", dit-il.', "«\u00a0Oui\u00a0», dit-il."),
    ('" Oui ", dit-il.', "«\u00a0Oui\u00a0», dit-il."),
    ("'Oui', dit-il.", "«\u00a0Oui\u00a0», dit-il."),
    ('Il dit : "Non."', "Il dit : «\u00a0Non.\u00a0»"),
    ("L'homme est là.", "L’homme est là."),
    ("C'est l'été qu'il vient.", "C’est l’été qu’il vient."),
    ("Aujourd'hui.", "Aujourd’hui."),
    ("Jusqu'à demain.", "Jusqu’à demain."),
    ('"Il dit \'non\' ce jour-là", écrit-elle.',
     "«\u00a0Il dit “non” ce jour-là\u00a0», écrit-elle."),
    ('("Entre parenthèses")', "(«\u00a0Entre parenthèses\u00a0»)"),
    ('"Premier paragraphe.\n\n"Second paragraphe."',
     "«\u00a0Premier paragraphe.\n\n«\u00a0Second paragraphe.\u00a0»"),
    ('> "Citation.\n>\n> "Suite."', "> «\u00a0Citation.\n>\n> «\u00a0Suite.\u00a0»"),
    ("Le journal \"L'Humanité\" parut.", "Le journal «\u00a0L’Humanité\u00a0» parut."),
    ("Le mot 'fait accompli' revint.", "Le mot «\u00a0fait accompli\u00a0» revint."),
    ("1917--1923", "1917–1923"),
    ("Ainsi -- non.", "Ainsi – non."),
    ("Et donc...", "Et donc…"),
    ("`l'homme` et l'homme.", "`l'homme` et l’homme."),
    ("*Révolution*{.title lang='fr'} d'abord.", "*Révolution*{.title lang='fr'} d’abord."),
    ("| a | b |\n|---|--:|\n| l'été | 1 |", "| a | b |\n|---|--:|\n| l’été | 1 |"),
    ("Texte.\n\n* * *\n\nSuite.", "Texte.\n\n* * *\n\nSuite."),
    ("Un homme de 6'2\".", "Un homme de 6′2″."),
    ("Les années '30.", "Les années ’30."),
    ('"Oui." "Non."', "«\u00a0Oui.\u00a0» «\u00a0Non.\u00a0»"),
    ("[^3]: Voir \"Pravda\".", "[^3]: Voir «\u00a0Pravda\u00a0»."),
    ('![Un bateau](b.png "Le bateau d\'Anne")', '![Un bateau](b.png "Le bateau d’Anne")'),
    ("<!-- l'homme -->L'homme.", "<!-- l'homme -->L’homme."),
    ("[Lien](https://example.org/l'a) d'abord.", "[Lien](https://example.org/l'a) d’abord."),
    ("Déjà «\u00a0là\u00a0» et “ici”.", "Déjà «\u00a0là\u00a0» et “ici”."),
    ("Il cria : \"Halte !\"", "Il cria : «\u00a0Halte !\u00a0»"),
    ("Elle demanda : \"Quand ?\"", "Elle demanda : «\u00a0Quand ?\u00a0»"),
    ("Qu'est-ce qu'il y a ?", "Qu’est-ce qu’il y a ?"),
    ("Presqu'île.", "Presqu’île."),
    ("S'il le faut.", "S’il le faut."),
    ("D'Alembert et d'Holbach.", "D’Alembert et d’Holbach."),
    ('"Inachevé.\n\nNouveau paragraphe, \'citation\'.',
     "«\u00a0Inachevé.\n\nNouveau paragraphe, «\u00a0citation\u00a0»."),
    ("Un mot : 'ici'.", "Un mot : «\u00a0ici\u00a0»."),
    ('(« déjà ») et "neuf"', "(« déjà ») et «\u00a0neuf\u00a0»"),
    ("Un tuyau de 12\" de long.", "Un tuyau de 12″ de long."),
    ("Entr'acte.", "Entr’acte."),
]


def case_id(case):
    return case[0][:30]


@pytest.mark.parametrize("text, expected", EN_GB, ids=case_id)
def test_en_gb(text, expected):
    assert fix_text(text, "en-GB")[0] == expected


@pytest.mark.parametrize("text, expected", EN_US, ids=case_id)
def test_en_us(text, expected):
    assert fix_text(text, "en-US")[0] == expected


@pytest.mark.parametrize("text, expected", DE, ids=case_id)
def test_de(text, expected):
    assert fix_text(text, "de")[0] == expected


@pytest.mark.parametrize("text, expected", FR, ids=case_id)
def test_fr(text, expected):
    assert fix_text(text, "fr")[0] == expected


def test_every_language_has_forty_cases():
    assert min(len(EN_GB), len(EN_US), len(DE), len(FR)) >= 40


def test_each_change_is_listed_with_its_line():
    text, changes = fix_text("First line.\nDon't.\n\n'Yes.'\n", "en-GB")
    assert [(c.line, c.before, c.after) for c in changes] == [
        (2, "Don't.", "Don’t."), (4, "'Yes.'", "‘Yes.’")]
