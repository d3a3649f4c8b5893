//! The security level of a secure channel: P1 of EXTERNAL AUTHENTICATE (GPC 2.3.1 §11.11.2.1,
//! Amendment D §7.2.2.1).

use super::error::ScpError;

bitflags::bitflags! {
    /// What protects the commands and responses of an open channel.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct SecurityLevel: u8 {
        /// Commands carry a C-MAC.
        const C_MAC = 0x01;
        /// Command data is encrypted.
        const C_DECRYPTION = 0x02;
        /// Responses carry an R-MAC.
        const R_MAC = 0x10;
        /// Response data is encrypted (SCP03 only).
        const R_ENCRYPTION = 0x20;
    }
}

impl SecurityLevel {
    /// Level 00: no secure messaging after authentication.
    pub const NONE: Self = Self::empty();
    /// Level 01.
    pub const MAC: Self = Self::C_MAC;
    /// Level 03.
    pub const MAC_ENC: Self = Self::C_MAC.union(Self::C_DECRYPTION);
    /// Level 11.
    pub const MAC_RMAC: Self = Self::C_MAC.union(Self::R_MAC);
    /// Level 13.
    pub const MAC_ENC_RMAC: Self = Self::MAC_ENC.union(Self::R_MAC);
    /// Level 33.
    pub const MAC_ENC_RMAC_RENC: Self = Self::MAC_ENC_RMAC.union(Self::R_ENCRYPTION);

    /// The six levels GlobalPlatform defines for SCP02 and SCP03, in ascending order.
    pub const ALL: [Self; 6] =
        [Self::NONE, Self::MAC, Self::MAC_ENC, Self::MAC_RMAC, Self::MAC_ENC_RMAC, Self::MAC_ENC_RMAC_RENC];

    /// The level coded in P1 of EXTERNAL AUTHENTICATE; any other byte (R-MAC alone,
    /// encryption without a MAC, reserved bits) is refused.
    pub fn from_p1(p1: u8) -> Result<Self, ScpError> {
        Self::ALL.into_iter().find(|level| level.bits() == p1).ok_or(ScpError::UnsupportedLevel { level: p1 })
    }

    /// The level as the byte of P1.
    pub fn p1(self) -> u8 {
        self.bits()
    }
}
