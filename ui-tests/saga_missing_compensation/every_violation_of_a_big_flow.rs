//! A flow of 70 steps breaking the saga rules in three of them, two of which lie within the
//! same 64 steps: each is reported, on its own action.
use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Order;

macro_rules! actions {
    ($($attribute:ident: $($name:ident),*;)*) => {
        $($(
            #[action($attribute)]
            async fn $name(_ctx: &mut Context<Order>) -> Result<(), ActionError> {
                Ok(())
            }
        )*)*
    };
}

// Every action but the three below only reads.
actions! {
    readonly:
        step00, step01, step02, step03, step04, step06, step07, step08, step09, step10, step11, step12, step13, step14, step15, step16, step17, step18, step19, step20, step21, step22, step23, step24, step25, step26, step27, step28, step29, step30, step31, step32, step33, step34, step35, step36, step37, step38, step39, step41, step42, step43, step44, step45, step46, step47, step48, step49, step50, step51, step52, step53, step54, step55, step56, step57, step58, step59, step60, step61, step62, step63, step64, step65, step67, step68, step69;
}

#[action]
async fn step05(_ctx: &mut Context<Order>) -> Result<(), ActionError> {
    Ok(())
}

#[action]
async fn step40(_ctx: &mut Context<Order>) -> Result<(), ActionError> {
    Ok(())
}

#[action]
async fn step66(_ctx: &mut Context<Order>) -> Result<(), ActionError> {
    Ok(())
}

flow! {
    pub flow Big: Order {
        start S00;
        S00 => step00 => S01;
        S01 => step01 => S02;
        S02 => step02 => S03;
        S03 => step03 => S04;
        S04 => step04 => S05;
        S05 => step05 => S06;
        S06 => step06 => S07;
        S07 => step07 => S08;
        S08 => step08 => S09;
        S09 => step09 => S10;
        S10 => step10 => S11;
        S11 => step11 => S12;
        S12 => step12 => S13;
        S13 => step13 => S14;
        S14 => step14 => S15;
        S15 => step15 => S16;
        S16 => step16 => S17;
        S17 => step17 => S18;
        S18 => step18 => S19;
        S19 => step19 => S20;
        S20 => step20 => S21;
        S21 => step21 => S22;
        S22 => step22 => S23;
        S23 => step23 => S24;
        S24 => step24 => S25;
        S25 => step25 => S26;
        S26 => step26 => S27;
        S27 => step27 => S28;
        S28 => step28 => S29;
        S29 => step29 => S30;
        S30 => step30 => S31;
        S31 => step31 => S32;
        S32 => step32 => S33;
        S33 => step33 => S34;
        S34 => step34 => S35;
        S35 => step35 => S36;
        S36 => step36 => S37;
        S37 => step37 => S38;
        S38 => step38 => S39;
        S39 => step39 => S40;
        S40 => step40 => S41;
        S41 => step41 => S42;
        S42 => step42 => S43;
        S43 => step43 => S44;
        S44 => step44 => S45;
        S45 => step45 => S46;
        S46 => step46 => S47;
        S47 => step47 => S48;
        S48 => step48 => S49;
        S49 => step49 => S50;
        S50 => step50 => S51;
        S51 => step51 => S52;
        S52 => step52 => S53;
        S53 => step53 => S54;
        S54 => step54 => S55;
        S55 => step55 => S56;
        S56 => step56 => S57;
        S57 => step57 => S58;
        S58 => step58 => S59;
        S59 => step59 => S60;
        S60 => step60 => S61;
        S61 => step61 => S62;
        S62 => step62 => S63;
        S63 => step63 => S64;
        S64 => step64 => S65;
        S65 => step65 => S66;
        S66 => step66 => S67;
        S67 => step67 => S68;
        S68 => step68 => S69;
        S69 => step69 => Done;
        success Done;
    }
}

fn main() {}
