"""French-looking names for the Dendreo sandbox: people, companies, towns, trainers.

Surnames deliberately include accents, hyphens, apostrophes and particles, because those are the
names that go wrong in the portal's (NIR, birth name) check.
"""

from __future__ import annotations

SURNAMES: tuple[str, ...] = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
    "Laurent", "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
    "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent",
    "Muller", "Lefebvre", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier",
    "Chevalier", "François", "Legrand", "Gauthier", "Garcia", "Perrin", "Robin", "Clément",
    "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson", "Marchand", "Duval",
    "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier", "Brun", "Blanchard",
    "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud", "Martínez",
    "Gérard", "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron", "Picard",
    "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier", "Philippe",
    "Bourgeois", "Pierre", "Benoît", "Rey", "Hébert", "Ménard", "Béranger", "Lévêque", "Roux-Combaluzier",
    "Martin-Dupont", "Saint-Martin", "Dupont-Aignan", "Lefèvre-Utile", "Le Goff", "Le Gall",
    "Le Bihan", "Da Silva", "Dos Santos", "de La Fontaine", "Van der Berg", "D'Almeida", "N'Diaye",
    "D'Angelo", "L'Hôte", "O'Neill", "Dell'Aqua", "M'Bappé", "Nguyễn", "Benali", "Haddad",
    "Kowalski", "Øster",
)

MALE_FIRST_NAMES: tuple[str, ...] = (
    "Jean", "Pierre", "Michel", "André", "Philippe", "Louis", "Nicolas", "Alain", "Jacques",
    "Bernard", "Christophe", "Éric", "Frédéric", "Laurent", "Stéphane", "David", "Olivier",
    "Sébastien", "Julien", "Thomas", "Antoine", "Maxime", "Alexandre", "Romain", "Kévin", "Hugo",
    "Lucas", "Théo", "Mathis", "Noé", "Maël", "Loïc", "Jérôme", "Benoît", "François", "Cédric",
    "Grégory", "Mickaël", "Yannick", "Hervé", "Karim", "Mehdi", "Youssef", "Mamadou", "Jean-Pierre",
    "Jean-Luc", "Pierre-Louis", "Jean-Baptiste", "Marc-Antoine", "Gaëtan",
)

FEMALE_FIRST_NAMES: tuple[str, ...] = (
    "Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Françoise", "Christine", "Valérie",
    "Sandrine", "Sophie", "Céline", "Stéphanie", "Julie", "Aurélie", "Émilie", "Camille", "Laura",
    "Manon", "Chloé", "Léa", "Emma", "Zoé", "Inès", "Anaïs", "Gaëlle", "Hélène", "Agnès", "Béatrice",
    "Mélanie", "Élodie", "Virginie", "Karine", "Audrey", "Nadia", "Fatima", "Aïcha", "Yasmine",
    "Océane", "Clémence", "Margaux", "Lucie", "Pauline", "Noémie", "Maëlle", "Marie-Claire",
    "Anne-Sophie", "Marie-Hélène", "Anne-Laure", "Marie-Noëlle", "Josiane",
)

#: particles and house names that make birth names longer than the portal's 30 characters
LONG_NAME_PARTS: tuple[str, ...] = (
    "de La Rochefoucauld", "de Montmorency-Laval", "de Clermont-Tonnerre", "de La Tour d'Auvergne",
    "Le Tonnelier de Breteuil", "de Castelbajac", "de Saint-Exupéry", "d'Harcourt-Olonde",
    "de Bourbon-Busset", "de Chateaubriand",
)

TOWNS: tuple[tuple[str, str], ...] = (
    ("75011", "Paris"), ("69003", "Lyon"), ("13008", "Marseille"), ("31000", "Toulouse"),
    ("33000", "Bordeaux"), ("59000", "Lille"), ("44000", "Nantes"), ("67000", "Strasbourg"),
    ("35000", "Rennes"), ("34000", "Montpellier"), ("06000", "Nice"), ("38000", "Grenoble"),
    ("76600", "Le Havre"), ("42000", "Saint-Étienne"), ("83000", "Toulon"), ("21000", "Dijon"),
    ("49000", "Angers"), ("37000", "Tours"), ("63000", "Clermont-Ferrand"), ("87000", "Limoges"),
    ("20000", "Ajaccio"), ("97400", "Saint-Denis"), ("69100", "Villeurbanne"), ("93200", "Saint-Denis"),
)

_ACTIVITIES: tuple[str, ...] = (
    "Transports", "Logistique", "Bâtiment", "Menuiserie", "Électricité", "Plomberie", "Boulangerie",
    "Clinique", "EHPAD", "Garage", "Nettoyage", "Sécurité", "Métallerie", "Imprimerie", "Hôtel",
    "Restaurant", "Scierie", "Travaux publics", "Maçonnerie", "Couverture", "Entrepôts",
    "Manutention", "Chaudronnerie", "Paysages", "Déménagements",
)

_FORMS: tuple[str, ...] = ("SARL", "SAS", "SA", "EURL", "SASU", "SCOP", "", "")


def company_name(rng, index: int) -> str:
    """A French-looking raison sociale, varied by pattern."""
    activity = rng.choice(_ACTIVITIES)
    surname = rng.choice(SURNAMES)
    town = rng.choice(TOWNS)[1]
    form = rng.choice(_FORMS)
    pattern = index % 6
    if pattern == 0:
        name = f"{activity} {surname}"
    elif pattern == 1:
        name = f"{surname} & Fils"
    elif pattern == 2:
        name = f"{activity} de {town}"
    elif pattern == 3:
        name = f"{surname.upper()} {activity.upper()}"
    elif pattern == 4:
        name = f"Établissements {surname}"
    else:
        name = f"{activity} {surname}-{rng.choice(SURNAMES)}"
    return f"{name} {form}".strip() if form else name
