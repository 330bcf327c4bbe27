"""Real-shaped Moodle exports written from Moodle's documented formats (qformat_xml, qformat_gift,
qtype_ordering): the shapes Moodle 3.x/4.x write, with Cyrillic nested categories, base64 images,
every question kind, and kinds the portal leaves out."""

from __future__ import annotations

PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAQAAAADCAIAAAA7ljmRAAAAFElEQVR4nGM8ISfHAANMDEgAhQMAJtoBCkAAOw8AAAAASUVORK5CYII="
)

MOODLE_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
<!-- question: 0  -->
  <question type="category">
    <category>
      <text>$course$/top/Default for ПК-2026</text>
    </category>
    <info format="moodle_auto_format">
      <text>The default category for questions shared in context 'ПК-2026'.</text>
    </info>
    <idnumber></idnumber>
  </question>
<!-- question: 0  -->
  <question type="category">
    <category>
      <text>$course$/top/Default for ПК-2026/Методика обучения</text>
    </category>
    <info format="html"><text></text></info>
    <idnumber></idnumber>
  </question>
<!-- question: 101  -->
  <question type="multichoice">
    <name>
      <text>Типы уроков</text>
    </name>
    <questiontext format="html">
      <text><![CDATA[<p>Какой тип урока выделяется в системно-деятельностном подходе?</p><p><img src="@@PLUGINFILE@@/%D1%81%D1%85%D0%B5%D0%BC%D0%B0.png" alt="схема" width="4" height="3"></p>]]></text>
      <file name="схема.png" path="/" encoding="base64">{PNG}</file>
    </questiontext>
    <generalfeedback format="html">
      <text></text>
    </generalfeedback>
    <defaultgrade>1.0000000</defaultgrade>
    <penalty>0.3333333</penalty>
    <hidden>0</hidden>
    <idnumber></idnumber>
    <single>true</single>
    <shuffleanswers>true</shuffleanswers>
    <answernumbering>abc</answernumbering>
    <showstandardinstruction>0</showstandardinstruction>
    <correctfeedback format="html">
      <text>Ваш ответ верный.</text>
    </correctfeedback>
    <partiallycorrectfeedback format="html">
      <text>Ваш ответ частично правильный.</text>
    </partiallycorrectfeedback>
    <incorrectfeedback format="html">
      <text>Ваш ответ неправильный.</text>
    </incorrectfeedback>
    <shownumcorrect/>
    <answer fraction="100" format="html">
      <text><![CDATA[<p>Урок открытия новых знаний</p>]]></text>
      <feedback format="html">
        <text></text>
      </feedback>
    </answer>
    <answer fraction="0" format="html">
      <text><![CDATA[<p>Урок-лекция</p>]]></text>
      <feedback format="html">
        <text><![CDATA[<p>См. <img src="@@PLUGINFILE@@/hint.png"></p>]]></text>
        <file name="hint.png" path="/" encoding="base64">{PNG}</file>
      </feedback>
    </answer>
    <answer fraction="0" format="html">
      <text>Урок &amp; экскурсия</text>
      <feedback format="html">
        <text></text>
      </feedback>
    </answer>
  </question>
<!-- question: 102  -->
  <question type="multichoice">
    <name>
      <text>Принципы обучения</text>
    </name>
    <questiontext format="html">
      <text><![CDATA[<p>Отметьте дидактические принципы.</p>]]></text>
    </questiontext>
    <defaultgrade>2.0000000</defaultgrade>
    <single>false</single>
    <answer fraction="50" format="html"><text>Наглядность</text></answer>
    <answer fraction="50" format="html"><text>Научность</text></answer>
    <answer fraction="-100" format="html"><text>Случайность</text></answer>
  </question>
<!-- question: 103  -->
  <question type="truefalse">
    <name><text>ФГОС</text></name>
    <questiontext format="moodle_auto_format"><text>ФГОС устанавливает требования к результатам.</text></questiontext>
    <defaultgrade>1.0000000</defaultgrade>
    <answer fraction="100" format="moodle_auto_format"><text>true</text><feedback format="html"><text></text></feedback></answer>
    <answer fraction="0" format="moodle_auto_format"><text>false</text><feedback format="html"><text></text></feedback></answer>
  </question>
  <question type="category">
    <category>
      <text>$course$/top/Default for ПК-2026/Методика обучения/Оценивание//контроль</text>
    </category>
  </question>
<!-- question: 104  -->
  <question type="shortanswer">
    <name><text>Аббревиатура</text></name>
    <questiontext format="html"><text>Как сокращённо называется стандарт?</text></questiontext>
    <defaultgrade>1.0000000</defaultgrade>
    <usecase>0</usecase>
    <answer fraction="100" format="moodle_auto_format"><text>ФГОС</text></answer>
    <answer fraction="50" format="moodle_auto_format"><text>стандарт</text></answer>
  </question>
<!-- question: 105  -->
  <question type="matching">
    <name><text>Авторы</text></name>
    <questiontext format="html"><text>Соотнесите авторов и идеи.</text></questiontext>
    <defaultgrade>3.0000000</defaultgrade>
    <shuffleanswers>true</shuffleanswers>
    <subquestion format="html"><text>Выготский</text><answer><text>Зона ближайшего развития</text></answer></subquestion>
    <subquestion format="html"><text>Блум</text><answer><text>Таксономия целей</text></answer></subquestion>
    <subquestion format="html"><text></text><answer><text>Лишний ответ</text></answer></subquestion>
  </question>
<!-- question: 106  -->
  <question type="ordering">
    <name><text>Этапы урока</text></name>
    <questiontext format="html"><text>Расположите этапы урока по порядку.</text></questiontext>
    <defaultgrade>1.0000000</defaultgrade>
    <layouttype>VERTICAL</layouttype>
    <selecttype>ALL</selecttype>
    <selectcount>0</selectcount>
    <gradingtype>ABSOLUTE_POSITION</gradingtype>
    <showgrading>SHOW</showgrading>
    <answer fraction="1.0000000" format="moodle_auto_format"><text>Мотивация</text></answer>
    <answer fraction="2.0000000" format="moodle_auto_format"><text>Актуализация</text></answer>
    <answer fraction="3.0000000" format="moodle_auto_format"><text>Рефлексия</text></answer>
  </question>
  <question type="category">
    <category>
      <text>$course$/top/Психолого-педагогические компетенции</text>
    </category>
  </question>
<!-- question: 107  -->
  <question type="essay">
    <name><text>Эссе о мотивации</text></name>
    <questiontext format="html"><text>Опишите приёмы мотивации.</text></questiontext>
    <defaultgrade>5.0000000</defaultgrade>
    <responseformat>editor</responseformat>
    <responserequired>1</responserequired>
    <responsefieldlines>15</responsefieldlines>
    <attachments>0</attachments>
    <graderinfo format="html"><text></text></graderinfo>
    <responsetemplate format="html"><text></text></responsetemplate>
  </question>
<!-- question: 108  -->
  <question type="numerical">
    <name><text>Часы</text></name>
    <questiontext format="html"><text>Сколько часов в учебной неделе 5 класса (ровно)?</text></questiontext>
    <defaultgrade>1.0000000</defaultgrade>
    <answer fraction="100" format="moodle_auto_format"><text>29.5</text><tolerance>0</tolerance></answer>
  </question>
<!-- question: 109  -->
  <question type="numerical">
    <name><text>Возраст</text></name>
    <questiontext format="html"><text>Примерный возраст начала подросткового кризиса?</text></questiontext>
    <answer fraction="100" format="moodle_auto_format"><text>12</text><tolerance>1</tolerance></answer>
  </question>
<!-- question: 110  -->
  <question type="description">
    <name><text>Инструкция</text></name>
    <questiontext format="html"><text>Прочитайте текст ниже.</text></questiontext>
  </question>
<!-- question: 111  -->
  <question type="multianswer">
    <name><text>Cloze</text></name>
    <questiontext format="html"><text>Столица {{1:SHORTANSWER:=Москва}}</text></questiontext>
  </question>
<!-- question: 112  -->
  <question type="ddwtos">
    <name><text>Перетаскивание</text></name>
    <questiontext format="html"><text>[[1]] и [[2]]</text></questiontext>
  </question>
</quiz>
"""

# Categories as the preview shows them, in the file's order (the empty default category has no
# questions and is not listed; «//» is a slash inside a name).
XML_CATEGORIES = [
    "Default for ПК-2026 / Методика обучения",
    "Default for ПК-2026 / Методика обучения / Оценивание/контроль",
    "Психолого-педагогические компетенции",
]

GIFT = """// question: 0  name: Switch category to $course$/top/Default for ПК-2026/Методика
$CATEGORY: $course$/top/Default for ПК-2026/Методика


// question: 201  name: Типы уроков
// [сложность:2]
::Типы уроков::[html]<p>Какой тип урока выделяется в ФГОС?</p>{
\t=Урок открытия новых знаний
\t~Урок-лекция#Нет
\t~Урок\\: экскурсия
}

// question: 202  name: Принципы
::Принципы::Отметьте принципы обучения {~%100%Наглядность ~%50%Научность ~%-25%Случайность}

::ФГОС::ФГОС устанавливает требования к результатам.{T}

::Знак::Какой знак ставят между частями формулы 2 \\= 1 + 1? {=равно =%50%знак равенства}

$CATEGORY: $course$/top/Психология/Вариант 2

::Авторы::Соотнесите авторов и идеи. {
=Выготский -> Зона ближайшего развития
=Блум -> Таксономия
= -> Лишний
}

::Этапы::Расположите этапы урока по порядку. {>3 ALL VERTICAL ALL_OR_NOTHING SHOW
Мотивация
Актуализация
Рефлексия
}

::Эссе::Опишите приёмы мотивации. {}

::Часы::Сколько часов в неделе? {#29.5}

::Возраст::Возраст кризиса? {#12:1}

::Инструкция::Прочитайте текст ниже и ответьте на вопросы.
"""
