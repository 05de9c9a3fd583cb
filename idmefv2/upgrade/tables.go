package upgrade

// The mapping tables from the enums of drafts V02–V07 to V08. Each table covers every value
// of the old enum (the tests check this against the embedded schemas); an empty string marks
// a value with no V08 equivalent, which goes to the matching ext-* list. docs/IDMEFV2-UPGRADE.md
// gives the reasons for each choice.

// categoryV06 maps the alert Category values of V02–V06 (the ENISA-style taxonomy) to the
// V07/V08 taxonomy, by meaning.
func categoryV06() map[string]string {
	return map[string]string{
		"Abusive.Spam":                         "",
		"Abusive.Harassment":                   "Abuse.Harassment",
		"Abusive.Illicit":                      "Abuse.Other",
		"Malicious.System":                     "Malware.Other",
		"Malicious.Botnet":                     "Malware.Other",
		"Malicious.Distribution":               "Malware.Other",
		"Malicious.Configuration":              "Malware.Other",
		"Recon.Scanning":                       "Recon.Network",
		"Recon.Sniffing":                       "Recon.Network",
		"Recon.SocialEngineering":              "SocialEng.Other",
		"Attempt.Exploit":                      "Access.Other",
		"Attempt.Login":                        "Access.Forced",
		"Attempt.NewSignature":                 "Access.Other",
		"Intrusion.AdminCompromise":            "Access.Compromise",
		"Intrusion.UserCompromise":             "Access.Compromise",
		"Intrusion.AppCompromise":              "Access.Compromise",
		"Intrusion.SysCompromise":              "Access.Compromise",
		"Intrusion.Burglary":                   "Access.Forced",
		"Availability.DoS":                     "Availability.DoS",
		"Availability.DDoS":                    "Availability.DDoS",
		"Availability.Misconf":                 "Availability.Misconfiguration",
		"Availability.Theft":                   "Theft.Equiment",
		"Availability.Sabotage":                "Sabotage.Other",
		"Availability.Outage":                  "Availability.Outage",
		"Availability.Failure":                 "Availability.Failure",
		"Information.UnauthorizedAccess":       "Access.Unauthorized",
		"Information.UnauthorizedModification": "Sabotage.Data",
		"Information.DataLoss":                 "Availability.Other",
		"Information.DataLeak":                 "Theft.Data",
		"Fraud.UnauthorizedUsage":              "Fraud.Usage",
		"Fraud.Copyright":                      "Fraud.Copyright",
		"Fraud.Masquerade":                     "Fraud.Masquerade",
		"Fraud.Phishing":                       "Fraud.Phishing",
		"Vulnerable.Crypto":                    "",
		"Vulnerable.DDoS":                      "",
		"Vulnerable.Surface":                   "",
		"Vulnerable.Disclosure":                "",
		"Vulnerable.System":                    "",
		"Geophysical.Earthquake":               "Geophysical.Earthquake",
		"Geophysical.MassMovement":             "Geophysical.MassMovement",
		"Geophysical.Volcanic":                 "Geophysical.Volcanic",
		"Meteorological.Temperature":           "Meteo.Other",
		"Meteorological.Fog":                   "Meteo.Fog",
		"Meteorological.Storm":                 "Meteo.Wind",
		"Hydrological.Flood":                   "Hydro.Flood",
		"Hydrological.Landslide":               "Hydro.Landslide",
		"Hydrological.Wave":                    "Hydro.Wave",
		"Climatological.Drought":               "Climat.Drought",
		"Climatological.LakeOutburst":          "Climat.LakeOutburst",
		"Climatological.Wildfire":              "Climat.Wildfire",
		"Biological.Epidemic":                  "Biological.Epidemic",
		"Biological.Insect":                    "Biological.Insect",
		"Biological.Animal":                    "Biological.Animal",
		"Extraterrestrial.Impact":              "Extraterrestrial.Impact",
		"Extraterrestrial.SpaceWeather":        "Extraterrestrial.SpaceWeather",
		"Other.Uncategorised":                  "Other.Uncategorised",
		"Other.Undetermined":                   "Other.Undetermined",
		"Test.Test":                            "Other.Test",
		"ext-value":                            "Other.ext-value",
	}
}

// categoryV07 maps the one alert Category value V08 renamed (a typo fix).
func categoryV07() map[string]string {
	return map[string]string{"Recon.Netword": "Recon.Network"}
}

// analyzerCategoryV06 maps the flat Analyzer.Category codes of V02–V06 to the prefixed codes
// of V07/V08. Most keep their name after the prefix; the exceptions are spelled-out names
// (LiS → LiDAR, FRC → FR-CAM, ODC → OBJ-DET, PROX → PROXY …). RASP exists under APP. and
// END.; APP.RASP is chosen (runtime application self-protection is an application control).
func analyzerCategoryV06() map[string]string {
	return map[string]string{
		"1DLiS": "PHY.1D-LiDAR", "2DLiS": "PHY.2D-LiDAR", "3DLiS": "PHY.3D-LiDAR",
		"1DLaS": "PHY.1D-LAS", "2DLaS": "PHY.2D-LAS", "3DLaS": "PHY.3D-LAS",
		"VAD": "PHY.VAD", "HAR": "PHY.HAR", "FRC": "PHY.FR-CAM",
		"VNIR": "PHY.VNIR", "SWIR": "PHY.SWIR", "MWIR": "PHY.MWIR", "LWIR": "PHY.LWIR",
		"ADS": "PHY.ADS", "ODC": "PHY.OBJ-DET",
		"DDOS": "DDoS.ANTI-DDOS", "SPAM": "EMAIL.SPAM-FILTER",
		"AV": "END.AV", "EDR": "END.EDR", "HIDS": "END.HIDS", "HPT": "END.HPT",
		"FW": "NET.FW", "NIDS": "NET.NIDS", "WIDS": "NET.WIDS", "PROX": "NET.PROXY",
		"WAF": "NET.WAF", "NAC": "NET.NAC",
		"LOG": "SIEM.LOG", "ETL": "SIEM.ETL", "SIEM": "SIEM.SIEM", "NMS": "SIEM.NMS",
		"IAM": "ID.IAM", "RASP": "APP.RASP", "BAST": "APP.BAST",
		"VPN":       "",
		"ext-value": "ext-value",
	}
}

// analyzerDataV06 maps the Analyzer.Data values V07 renamed; the others are unchanged.
func analyzerDataV06() map[string]string {
	return map[string]string{
		"Noise":         "Acoustics",
		"Touch":         "Contact",
		"Vibrations":    "Vibration",
		"Thermic":       "Thermal",
		"MagneticField": "Magnetic",
		"Auth":          "Authentication",
	}
}

// entitySectorV07 maps the EntitySector values V08 renamed (shorter names, same meaning).
func entitySectorV07() map[string]string {
	return map[string]string{
		"Cemeteries.PublicCemeteries":                  "Cemeteries.Public",
		"Chemical.ChemicalProduction":                  "Chemical.Production",
		"CivilSociety.ElectionMonitoring":              "Civil.ElectionMonitoring",
		"CivilSociety.HumanitarianAid":                 "Civil.HumanitarianAid",
		"CivilSociety.NGOs":                            "Civil.NGOs",
		"CivilSociety.Other":                           "Civil.Other",
		"CulturalHeritage.Archives":                    "Cultural.Archives",
		"CulturalHeritage.HistoricalSites":             "Cultural.HistoricalSites",
		"CulturalHeritage.Libraries":                   "Cultural.Libraries",
		"CulturalHeritage.Museums":                     "Cultural.Museums",
		"CulturalHeritage.Other":                       "Cultural.Other",
		"Defense.CyberDefense":                         "Defense.Cyber",
		"Defense.DefenseIndustrialBase":                "Defense.IndustrialBase",
		"Defense.MilitaryInstallations":                "Defense.Installations",
		"EmergencyServices.CivilProtection":            "Emergency.CivilProtection",
		"EmergencyServices.EmergencyMedical":           "Emergency.Medical",
		"EmergencyServices.FireAndRescue":              "Emergency.FireAndRescue",
		"EmergencyServices.Police":                     "Emergency.Police",
		"EmergencyServices.Other":                      "Emergency.Other",
		"Finance.FinancialMarketInfrastructures":       "Finance.MarketInfrastructures",
		"Manufacturing.ComputerElectronicOptical":      "Manufacturing.Electronic",
		"Manufacturing.StrategicManufacturing":         "Manufacturing.Strategic",
		"MediaAndBroadcasting.BroadcastInfrastructure": "Media.Infrastructure",
		"MediaAndBroadcasting.OnlineMedia":             "Media.OnlineMedia",
		"MediaAndBroadcasting.Press":                   "Media.Press",
		"MediaAndBroadcasting.Radio":                   "Media.Radio",
		"MediaAndBroadcasting.Television":              "Media.Television",
		"MediaAndBroadcasting.Other":                   "Media.Other",
		"Postal.PostalCourierServices":                 "Postal.CourierServices",
		"PublicAdministration.CentralGovernment":       "Administration.CentralGovernment",
		"PublicAdministration.Diplomatic":              "Administration.Diplomatic",
		"PublicAdministration.EmergencyServices":       "Administration.EmergencyServices",
		"PublicAdministration.Judiciary":               "Administration.Judiciary",
		"PublicAdministration.LocalGovernment":         "Administration.Local",
		"PublicAdministration.Other":                   "Administration.Other",
		"ReligiousSites.PilgrimageSites":               "Religious.PilgrimageSites",
		"ReligiousSites.PlacesOfWorship":               "Religious.PlacesOfWorship",
		"ReligiousSites.Other":                         "Religious.Other",
		"Waste.HazardousWaste":                         "Waste.Hazardous",
		"Waste.NonHazardousWaste":                      "Waste.NonHazardous",
		"Waste.NuclearWaste":                           "Waste.Nuclear",
	}
}
