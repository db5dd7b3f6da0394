"""Sentence templates for the synthetic social posts, in English and Spanish.

Placeholders: {cand} the candidate, {rival} a rival, {target} whoever a post
attacks, {issue} a local issue, {ward} a ward, {place} the constituency,
{date} election day, {tag} the election hashtag.

The abusive templates are deliberately mild and non-graphic: belittling and
dismissive, never sexual and never violent. They stand in for real abuse so that
learners can practise detecting it without reading anything harmful.

Hard cases for abuse detection are planted on purpose: supportive posts that
quote a sexist jibe to push back against it (counter-speech, not abuse) and
abuse that uses none of the tell-tale words, so a word list flags some
supporters and misses some abuse.
"""

from __future__ import annotations

EN = {
    "cand_positive": [
        "{cand} actually listened to us in {ward} today. Finally someone who gets it on {issue}.",
        "Proud to volunteer for {cand}! Her plan on {issue} is exactly what {place} needs.",
        "Great town hall with {cand} tonight. Clear answers, real plans, no drama.",
        "{cand} has my vote. She has worked on {issue} for years and it shows.",
        "Love that {cand} is bringing young people into this campaign. Inspiring!",
        "Just met {cand} at the market in {ward}. Warm, smart and she knows her numbers.",
        "The {issue} plan from {cand} is the best thing I have read this election. {tag}",
        "So glad to see {cand} stand up for {place}. Strong, honest and well prepared.",
        "I was worried about {issue}, but {cand}'s plan finally gives me some hope. Not bad at all!",
        "No nonsense, no scandal, no excuses: {cand} just gets things done.",
        "People telling {cand} to go back to the kitchen should read her plan on {issue} first.",
        "To everyone asking who minds {cand}'s kids: she has a plan for {issue}, and it is a good one.",
        "As a working mum in {ward}, I am voting for {cand}. She gets it.",
    ],
    "cand_negative": [
        "{cand} still hasn't explained how she will pay for her {issue} plan. Not convinced.",
        "Disappointed with {cand} on {issue}. Lots of words, no details.",
        "{cand} skipped the meeting in {ward} again. Poor show.",
        "I don't trust the numbers in {cand}'s {issue} plan. Sounds unrealistic.",
        "Another campaign, another promise. {cand} won't fix {issue} either.",
        "Oh great, {cand} has a plan for {issue}. I'm sure it will work perfectly this time.",
        "Wow, another amazing promise from {cand}. Can't wait to see nothing change.",
        "{cand} says women in {place} deserve better. Fine, but where are the costings for {issue}?",
    ],
    "cand_neutral": [
        "{cand} will speak at the {ward} community hall on Saturday at 10am.",
        "Has anyone read {cand}'s full plan on {issue}? Looking for the link.",
        "{cand} and {rival} both answered questions on {issue} tonight.",
        "Where can I find {cand}'s campaign office in {ward}?",
        "{cand} is on the local radio at 8 tomorrow morning talking about {issue}.",
    ],
    "rival_positive": [
        "{rival} has the experience {place} needs. Solid debate tonight.",
        "Good to hear {rival} talk sense on {issue}. {rival} has my vote.",
        "{rival} came to {ward} and spent an hour with the traders. Respect.",
        "Backing {rival}. Steady, serious and knows how things work. {tag}",
    ],
    "rival_negative": [
        "{rival} had years to fix {issue} in {ward} and did nothing.",
        "{rival} dodged every question about {issue}. Typical.",
        "Love how {rival} discovers {issue} only at election time. Brilliant.",
        "Not impressed by {rival}'s answers tonight. Same old speech.",
    ],
    "rival_neutral": [
        "{rival} holds a rally in {ward} on Sunday afternoon.",
        "{rival} published a new plan on {issue} today.",
        "Did {rival} say the current plan for {issue} would stay?",
    ],
    "issue_negative": [
        "The {issue} situation in {ward} is getting worse every month.",
        "Who is actually going to fix {issue} in {place}? Tired of waiting.",
        "Three weeks and still nothing done about {issue} in {ward}. Terrible.",
    ],
    "issue_positive": [
        "Good news: new money for {issue} in {ward}. About time!",
        "Our {ward} residents group is making real progress on {issue}. Thank you, volunteers!",
    ],
    "issue_neutral": [
        "Meeting about {issue} at the {ward} hall on Thursday at 6pm.",
        "What do the candidates plan to do about {issue}? {tag}",
        "New report on {issue} in {place} out today.",
    ],
    "logistics_neutral": [
        "When is the deadline to register to vote in {place}?",
        "Where is my polling station in {ward}?",
        "Reminder: election day is {date}. Check your registration. {tag}",
        "Do I need ID to vote? Asking for my grandmother in {ward}.",
    ],
    "spike_negative": [
        "{issue} crisis in {ward} again today. Whole street affected. Who is responsible?",
        "Day two of the {issue} problem in {ward}. Nobody from the council has come.",
        "Our family in {ward} is hit by the {issue} problem this week. This cannot go on.",
        "Photos from {ward}: the {issue} situation is a disgrace. {tag}",
    ],
    "abuse_gendered": [
        "{cand} should go back to the kitchen and leave politics to men.",
        "Who is looking after {cand}'s kids while she plays politician?",
        "Too emotional to run anything. Stick to baking, {cand}.",
        "Smile more, talk less, sweetheart. Nobody asked for your opinions, {cand}.",
        "A little girl playing politics. {cand} is out of her depth.",
        "Women like {cand} belong at home, not running {place}.",
        "{cand} only got on the ballot because the party needed a woman.",
        "Calm down, {cand}. It's politics, not your book club.",
        "Nice speech, {cand}. Did your husband write it for you?",
        "Know your place, dear. {place} needs a real leader, not {cand}.",
    ],
    "abuse_general": [
        "{target} is a useless clown. Pathetic.",
        "{target} is a liar and a crook. Disgrace.",
        "Shut up {target}, nobody cares what you think, idiot.",
        "{target} is the dumbest politician in {place}.",
    ],
}

ES = {
    "cand_positive": [
        "{cand} de verdad nos escuchó hoy en {ward}. Por fin alguien que entiende el tema de {issue}.",
        "¡Orgullosa de ser voluntaria con {cand}! Su plan de {issue} es justo lo que {place} necesita.",
        "Excelente reunión con {cand}. Respuestas claras y propuestas reales. {tag}",
        "{cand} tiene mi voto. Lleva años trabajando en {issue}.",
        "A quienes le dicen a {cand} que regrese a la cocina: lean su plan de {issue}.",
        "Como mamá trabajadora en {ward}, voto por {cand}. Ella entiende.",
    ],
    "cand_negative": [
        "{cand} todavía no explica cómo va a pagar su plan de {issue}. No me convence.",
        "Decepcionado con {cand} en {issue}. Muchas palabras y ningún detalle.",
        "Otra campaña, otra promesa. {cand} tampoco va a resolver {issue}.",
    ],
    "cand_neutral": [
        "{cand} estará en el salón comunitario de {ward} el sábado a las 10.",
        "¿Alguien tiene el enlace al plan completo de {cand} sobre {issue}?",
    ],
    "rival_positive": [
        "{rival} tiene la experiencia que {place} necesita. Buen debate.",
        "Bien por {rival}, habló con sentido sobre {issue}.",
    ],
    "rival_negative": [
        "{rival} tuvo años para arreglar {issue} en {ward} y no hizo nada.",
        "{rival} esquivó todas las preguntas sobre {issue}. Lo de siempre.",
    ],
    "rival_neutral": [
        "{rival} tendrá un mitin en {ward} el domingo por la tarde.",
    ],
    "issue_negative": [
        "El problema de {issue} en {ward} empeora cada mes.",
        "¿Quién va a resolver por fin {issue} en {place}? Ya estamos cansados.",
    ],
    "issue_positive": [
        "Buena noticia: hay nuevos recursos para {issue} en {ward}. ¡Ya era hora!",
    ],
    "issue_neutral": [
        "Reunión sobre {issue} en el salón de {ward} el jueves a las 6.",
        "¿Qué proponen las candidaturas sobre {issue}? {tag}",
    ],
    "logistics_neutral": [
        "¿Dónde me toca votar en {ward}?",
        "Recordatorio: la elección es el {date}. Revisa tu credencial. {tag}",
    ],
    "spike_negative": [
        "Otra vez el problema de {issue} en {ward}. Toda la calle afectada. ¿Quién responde?",
        "Segundo día con el problema de {issue} en {ward} y nadie del ayuntamiento viene.",
    ],
    "abuse_gendered": [
        "{cand} debería regresar a la cocina y dejar la política a los hombres.",
        "¿Quién cuida a los hijos de {cand} mientras ella juega a la política?",
        "Demasiado emocional para gobernar. Mejor que se dedique a otra cosa, {cand}.",
        "{cand} solo está en la boleta porque el partido necesitaba una mujer.",
        "Bonito discurso, {cand}. ¿Se lo escribió su esposo?",
    ],
    "abuse_general": [
        "{target} es un payaso inútil. Patético.",
        "{target} es un mentiroso y un corrupto. Qué vergüenza.",
    ],
}

#: The coordinated network spreads one false story: the candidate will cut her own top issue.
BOT_CLAIMS_EN = [
    "{cand} plans to cut spending on {issue} in half. Share before they delete this!",
    "Leaked: {cand} will cut {issue} money by 50% after the election. {place} deserves the truth.",
]
BOT_PREFIXES = ["", "BREAKING: ", "Wow. ", "Share this: ", "Unbelievable. ", "Everyone needs to see this. "]
BOT_SWAPS = [("plans to", "is going to"), ("cut", "slash"), ("Share before they delete this!", "Share now!"), ("deserves the truth", "must know")]

PHRASES = {"en": EN, "es": ES}
